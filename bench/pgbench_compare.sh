#!/usr/bin/env bash
# pgbench through nothing (direct), pgwarden and PgBouncer, on one PostgreSQL 15 primary, in
# interleaved rounds; prints median TPS, ratios and each proxy's CPU time per transaction.
# Everything it starts (a sandbox primary, pgwarden, PgBouncer) is stopped and removed on exit,
# Ctrl-C included. See bench/README.md for what it measures and how to read the figures.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/pgbench_compare.sh [options]

  -b, --pgwarden PATH   pgwarden binary (env PGWARDEN; default build/dev/bin/pgwarden)
  -r, --rounds N        interleaved rounds per workload (env PGW_BENCH_ROUNDS; default 3)
  -T, --duration S      seconds per pgbench run (env PGW_BENCH_DURATION; default 10)
  -j, --jobs N          pgbench worker threads, -j (env PGW_BENCH_JOBS; default 2)
  -s, --scale N         pgbench -i scale (env PGW_BENCH_SCALE; default 10: 1,000,000 accounts)
  -w, --workloads LIST  comma-separated (env PGW_BENCH_WORKLOADS; default all):
                          select-simple-c8 select-prepared-c8 select-simple-c64
                          select-prepared-c64 tpcb-simple-c8
  -t, --targets LIST    comma-separated (env PGW_BENCH_TARGETS; default
                          direct,pgwarden,pgwarden-w2,pgbouncer); "direct" is always run
  -l, --logs DIR        copy pgbench outputs, proxy logs and the runs' CSV to DIR
  -h, --help            this text

Quick check: bench/pgbench_compare.sh -r 1 -T 3 -w select-simple-c8
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pgwarden=${PGWARDEN:-$repo/build/dev/bin/pgwarden}
rounds=${PGW_BENCH_ROUNDS:-3}
duration=${PGW_BENCH_DURATION:-10}
jobs=${PGW_BENCH_JOBS:-2}
scale=${PGW_BENCH_SCALE:-10}
workloads=${PGW_BENCH_WORKLOADS:-all}
targets=${PGW_BENCH_TARGETS:-direct,pgwarden,pgwarden-w2,pgbouncer}
logs_dir=""
pg_bin=${PGW_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
pgbouncer_bin=${PGBOUNCER:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}

while (($# > 0)); do
  case $1 in
    -b | --pgwarden) pgwarden=$2; shift 2 ;;
    -r | --rounds) rounds=$2; shift 2 ;;
    -T | --duration) duration=$2; shift 2 ;;
    -j | --jobs) jobs=$2; shift 2 ;;
    -s | --scale) scale=$2; shift 2 ;;
    -w | --workloads) workloads=$2; shift 2 ;;
    -t | --targets) targets=$2; shift 2 ;;
    -l | --logs) logs_dir=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "pgbench_compare: $*" >&2; exit 1; }

# Workload name -> pgbench options (the client count must be the last option: it sizes pools).
declare -A workload_args=(
  [select-simple-c8]="-S -M simple -c 8"
  [select-prepared-c8]="-S -M prepared -c 8"
  [select-simple-c64]="-S -M simple -c 64"
  [select-prepared-c64]="-S -M prepared -c 64"
  [tpcb-simple-c8]="-M simple -c 8"
)
all_workloads=(select-simple-c8 select-prepared-c8 select-simple-c64 select-prepared-c64
  tpcb-simple-c8)
known_targets=(direct pgwarden pgwarden-w2 pgbouncer)

if [[ $workloads == all ]]; then
  selected_workloads=("${all_workloads[@]}")
else
  IFS=, read -r -a selected_workloads <<<"$workloads"
fi
for w in "${selected_workloads[@]}"; do
  [[ -n ${workload_args[$w]+set} ]] || die "unknown workload '$w' (known: ${all_workloads[*]})"
done
IFS=, read -r -a requested_targets <<<"$targets"
selected_targets=(direct)
for t in "${requested_targets[@]}"; do
  [[ " ${known_targets[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${known_targets[*]})"
  [[ $t == direct ]] || selected_targets+=("$t")
done
for n in "$rounds" "$duration" "$jobs" "$scale"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "rounds, duration, jobs and scale must be positive integers"
done
[[ -x $pgwarden ]] || die "no pgwarden binary at $pgwarden (build it: bash scripts/build.sh dev)"
[[ -x $pg_bin/pgbench ]] || die "no pgbench in $pg_bin"
if [[ " ${selected_targets[*]} " == *" pgbouncer "* ]]; then
  [[ -x $pgbouncer_bin ]] || die "no pgbouncer (apt-get install pgbouncer)"
fi
command -v python3 >/dev/null || die "python3 is needed to pick free ports"

max_clients=0
for w in "${selected_workloads[@]}"; do
  c=${workload_args[$w]##* }
  ((c > max_clients)) && max_clients=$c
done

clk_tck=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Cleanup: everything this script started, by PID, then the sandbox (which stops PostgreSQL).

work=""
sandbox_dir=""
setup_pid=""
pgbench_pid=""
declare -A proxy_pid=()
cleanup_done=0

stop_pid() {
  local pid=$1 signal=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  ((cleanup_done)) && return
  cleanup_done=1
  trap '' INT TERM
  # Background commands of a script start with SIGINT ignored: pgbench keeps it so, hence TERM.
  # pgwarden stops at once on SIGINT (SIGTERM would drain); PgBouncer at once on SIGTERM.
  [[ -n $pgbench_pid ]] && stop_pid "$pgbench_pid" TERM
  local name
  for name in "${!proxy_pid[@]}"; do
    if [[ $name == pgbouncer ]]; then
      stop_pid "${proxy_pid[$name]}" TERM
    else
      stop_pid "${proxy_pid[$name]}" INT
    fi
  done
  [[ -n $setup_pid ]] && wait "$setup_pid" 2>/dev/null
  if [[ -n $sandbox_dir && -e $sandbox_dir ]]; then
    "$pgwarden" sandbox down --dir "$sandbox_dir" >/dev/null 2>&1 ||
      echo "pgbench_compare: 'pgwarden sandbox down --dir $sandbox_dir' failed" >&2
  fi
  if [[ -n $work && -d $work ]]; then
    if [[ -n $logs_dir ]]; then
      # The pgbench outputs, the runs' CSV, the proxies' logs and configurations; not the
      # passwords files.
      mkdir -p "$logs_dir"
      cp -r "$work/runs" "$logs_dir/" 2>/dev/null || true
      (cd "$work" && find proxies -name '*.log' -o -name '*.toml' -o -name '*.ini' -o -name 'pg_hba.conf') |
        while read -r file; do
          mkdir -p "$logs_dir/$(dirname "$file")" && cp "$work/$file" "$logs_dir/$file"
        done
      echo "logs copied to $logs_dir" >&2
    fi
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() { # port pid name
  local i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited at start; its log: $(tail -n 20 "$work/proxies/$3.log" 2>/dev/null)"
    sleep 0.05
  done
  die "$3 does not accept connections on port $1"
}

manifest_value() {
  sed -n "s/^$1 = //p" "$sandbox_dir/cluster/cluster.manifest"
}

# psql as the superuser over the primary's unix socket (trusted there).
superuser_sql() {
  "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$pg_port" -U postgres "$@"
}

# utime + stime, in clock ticks, summed over the given PIDs (all threads of each).
cpu_ticks() {
  local total=0 pid stat
  local -a fields
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat")
    read -r -a fields <<<"${stat##*) }"
    # After "pid (comm) ", field 3 (state) is index 0: utime (14) is 11, stime (15) is 12.
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

target_port() {
  case $1 in
    direct) echo "$pg_port" ;;
    *) echo "${proxy_port[$1]}" ;;
  esac
}

median() { # numbers on stdin, one a line -> their median (mean of the two middle ones); "" if none
  sort -g | awk 'NF { v[++n] = $1 } END {
    if (n == 0) exit
    if (n % 2) printf "%.6f\n", v[(n + 1) / 2]; else printf "%.6f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------------------------------------
# The primary: a pgwarden sandbox without standbys, re-tuned for benchmarking.

work=$(mktemp -d /tmp/pgw-bench-XXXXXX)
chmod 755 "$work" # the sandbox's files belong to the unprivileged user that runs PostgreSQL
mkdir -p "$work/runs" "$work/proxies"
sandbox_dir=$work/sandbox
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $load_before"
echo "== creating the primary (pgwarden sandbox up --standbys 0) in $sandbox_dir"
# In the background, so that it ignores Ctrl-C: interrupted, it would leave its initdb template
# behind; cleanup() lets it finish and then takes the sandbox down.
"$pgwarden" sandbox up --standbys 0 --dir "$sandbox_dir" --port "$(free_port)" \
  >"$work/sandbox.out" 2>&1 &
setup_pid=$!
wait "$setup_pid" || die "sandbox up failed: $(cat "$work/sandbox.out")"
setup_pid=""

os_user=$(manifest_value os_user)
app_user=$(manifest_value app_user)
app_password=$(manifest_value app_password)
app_db=$(manifest_value app_database)
pg_port=$(sed -n 's/^node = node0 //p' "$sandbox_dir/cluster/cluster.manifest")
node_dir=$sandbox_dir/cluster/node0
socket_dir=$node_dir/run
[[ -n $pg_port && -n $app_user ]] || die "cannot read $sandbox_dir/cluster/cluster.manifest"

# Room for direct clients plus every proxy's idle pool; buffers big enough for scale 10.
connections=$((max_clients * ${#selected_targets[@]} + 20))
((connections < 200)) && connections=200
superuser_sql -d postgres -c "ALTER SYSTEM SET max_connections = $connections" \
  -c "ALTER SYSTEM SET shared_buffers = '256MB'"
as_os_user=()
((EUID == 0)) && as_os_user=(runuser -u "$os_user" --)
"${as_os_user[@]}" "$pg_bin/pg_ctl" restart -D "$node_dir/data" -m fast -w -t 60 \
  -l "$node_dir/postgres.log" >/dev/null || die "restarting PostgreSQL failed"

export PGPASSWORD=$app_password
echo "== pgbench -i -s $scale"
"$pg_bin/pgbench" -i -s "$scale" -q -h 127.0.0.1 -p "$pg_port" -U "$app_user" "$app_db" \
  >"$work/pgbench-init.out" 2>&1 || die "pgbench -i failed: $(cat "$work/pgbench-init.out")"
secret=$(superuser_sql -d postgres -A -t -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$app_user'")
[[ $secret == SCRAM-SHA-256* ]] || die "the app user has no SCRAM secret"

# ---------------------------------------------------------------------------------------------
# The proxies: session pooling, a pool as large as the largest client count (nobody queues),
# PostgreSQL's own SCRAM secret in the passwords file (pass-through to the server), quiet logs.

declare -A proxy_port=()

start_pgwarden() { # name workers
  local name=$1 workers=$2 dir=$work/proxies/$1 port
  port=$(free_port)
  mkdir -p "$dir"
  printf '"%s" "%s"\n' "$app_user" "$secret" >"$dir/passwords"
  chmod 600 "$dir/passwords"
  printf 'host all all 127.0.0.1/32 scram-sha-256\n' >"$dir/pg_hba.conf"
  cat >"$dir/pgwarden.toml" <<EOF
workers = $workers

[listen]
addresses = ["127.0.0.1"]
port = $port
unix_socket_dir = ""

[auth]
hba_file = "pg_hba.conf"
passwords_file = "passwords"

[pool]
mode = "session"
pool_size = $max_clients
reset_query = "DISCARD ALL"

[limits]
max_client_connections = 1000

[log]
level = "warning"
log_sessions = false

[[backends]]
name = "node0"
host = "127.0.0.1"
port = $pg_port
EOF
  "$pgwarden" run -c "$dir/pgwarden.toml" >"$work/proxies/$name.log" 2>&1 &
  proxy_pid[$name]=$!
  proxy_port[$name]=$port
  wait_for_port "$port" "${proxy_pid[$name]}" "$name"
}

start_pgbouncer() {
  local dir=$work/proxies/pgbouncer port
  port=$(free_port)
  mkdir -p "$dir"
  printf '"%s" "%s"\n' "$app_user" "$secret" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
$app_db = host=127.0.0.1 port=$pg_port dbname=$app_db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = session
default_pool_size = $max_clients
max_client_conn = 1000
server_reset_query = DISCARD ALL
log_connections = 0
log_disconnections = 0
EOF
  chown -R "$os_user" "$dir"
  chmod 600 "$dir/userlist.txt"
  # PgBouncer refuses to run as root; -u switches to the PostgreSQL user in the same process.
  local -a as_user=()
  ((EUID == 0)) && as_user=(-u "$os_user")
  "$pgbouncer_bin" "${as_user[@]}" "$dir/pgbouncer.ini" >"$work/proxies/pgbouncer.log" 2>&1 &
  proxy_pid[pgbouncer]=$!
  proxy_port[pgbouncer]=$port
  wait_for_port "$port" "${proxy_pid[pgbouncer]}" pgbouncer
}

for t in "${selected_targets[@]}"; do
  case $t in
    pgwarden) start_pgwarden pgwarden 1 ;;
    pgwarden-w2) start_pgwarden pgwarden-w2 2 ;;
    pgbouncer) start_pgbouncer ;;
  esac
done
for t in "${selected_targets[@]}"; do
  out=$("$pg_bin/psql" -X -A -t -h 127.0.0.1 -p "$(target_port "$t")" -U "$app_user" -d "$app_db" \
    -c "SELECT count(*) FROM pgbench_branches" 2>&1) || die "$t: a first query failed: $out"
done
echo "== proxies up: $(for t in "${selected_targets[@]:1}"; do printf '%s (pid %s, port %s) ' \
  "$t" "${proxy_pid[$t]}" "${proxy_port[$t]}"; done)"

# ---------------------------------------------------------------------------------------------
# Runs

# One pgbench run; appends "workload,target,round,tps,transactions,failed,proxy_ticks,rc" to the
# CSV. Before it: the maintenance pgbench itself would do (run with -n here so that it happens
# outside the proxy and outside the measured window) and a checkpoint.
run_one() { # workload target round seconds
  local workload=$1 target=$2 round=$3 seconds=$4
  local out=$work/runs/$workload.$target.$round.out pids=() before after rc=0
  superuser_sql -d "$app_db" -c "VACUUM pgbench_branches" -c "VACUUM pgbench_tellers" \
    -c "TRUNCATE pgbench_history" -c "CHECKPOINT"
  if [[ $target != direct ]]; then pids=("${proxy_pid[$target]}"); fi
  if ((${#pids[@]} > 0)); then
    kill -0 "${pids[0]}" 2>/dev/null || { echo "$workload,$target,$round,0,0,0,0,dead" >>"$csv"; return; }
    before=$(cpu_ticks "${pids[@]}")
  fi
  # shellcheck disable=SC2086 # workload_args holds several options
  "$pg_bin/pgbench" -n ${workload_args[$workload]} -j "$jobs" -T "$seconds" \
    -h 127.0.0.1 -p "$(target_port "$target")" -U "$app_user" "$app_db" >"$out" 2>&1 &
  pgbench_pid=$!
  wait "$pgbench_pid" || rc=$?
  pgbench_pid=""
  local ticks=0
  if ((${#pids[@]} > 0)); then
    if kill -0 "${pids[0]}" 2>/dev/null; then
      after=$(cpu_ticks "${pids[@]}")
      ticks=$((after - before))
    else
      rc="dead"
    fi
  fi
  local tps txns failed
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out" | tail -n 1)
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
  echo "$workload,$target,$round,${tps:-0},${txns:-0},${failed:-0},$ticks,$rc" >>"$csv"
  if [[ $rc != 0 || ${failed:-0} != 0 || -z $tps ]]; then
    echo "   !! $target: pgbench exit status $rc, failed transactions ${failed:-?}; $out:" >&2
    grep -v '^\(progress\|pgbench (\)' "$out" | tail -n 8 | sed 's/^/      /' >&2
  fi
}

csv=$work/runs/runs.csv
echo "workload,target,round,tps,transactions,failed,proxy_ticks,rc" >"$csv"
total_runs=$((${#selected_workloads[@]} * ${#selected_targets[@]} * rounds))
echo "== $total_runs runs of ${duration}s (pgbench -j $jobs), ${#selected_targets[@]} targets x $rounds rounds"

for workload in "${selected_workloads[@]}"; do
  # A short unmeasured warm-up per target: fills the proxies' pools and the caches.
  for target in "${selected_targets[@]}"; do
    # shellcheck disable=SC2086 # workload_args holds several options
    "$pg_bin/pgbench" -n ${workload_args[$workload]} -j "$jobs" -T 2 -h 127.0.0.1 \
      -p "$(target_port "$target")" -U "$app_user" "$app_db" >/dev/null 2>&1 || true
  done
  for ((round = 0; round < rounds; round++)); do
    order=()
    n=${#selected_targets[@]}
    for ((i = 0; i < n; i++)); do
      order+=("${selected_targets[$(((i + round) % n))]}")
    done
    echo "-- $workload round $((round + 1))/$rounds: ${order[*]}"
    for target in "${order[@]}"; do
      run_one "$workload" "$target" "$round" "$duration"
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report

# Values of column `c` for the successful runs (exit status 0, no failed transaction).
column_values() { # workload target column
  awk -F, -v w="$1" -v t="$2" -v c="$3" \
    'NR > 1 && $1 == w && $2 == t && $8 == "0" && $6 == "0" && $5 > 0 { print $c }' "$csv"
}

# CPU microseconds per transaction of each successful run.
cpu_per_tx_values() { # workload target
  awk -F, -v w="$1" -v t="$2" -v hz="$clk_tck" \
    'NR > 1 && $1 == w && $2 == t && $8 == "0" && $6 == "0" && $5 > 0 {
       printf "%.6f\n", $7 * 1e6 / hz / $5 }' "$csv"
}

ratio() { # a b -> a/b with 2 decimals, "-" when either is missing
  if [[ -z $1 || -z $2 ]]; then
    echo "-"
  else
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
  fi
}

echo
echo "pgbench -T $duration -j $jobs, scale $scale, $rounds interleaved rounds, median of rounds;"
echo "proxy CPU = utime+stime of the proxy process (all threads) / transactions, from /proc"
echo "($clk_tck ticks/s). Load average before: $load_before; after: $load_after. $(nproc) cores."
echo
printf '| %-19s | %-11s | %10s | %9s | %12s | %15s | %7s |\n' workload target "median TPS" \
  "vs direct" "vs PgBouncer" "proxy CPU µs/tx" "runs ok"
echo "|---------------------|-------------|-----------:|----------:|-------------:|----------------:|--------:|"
problems=0
for workload in "${selected_workloads[@]}"; do
  declare -A med=()
  for target in "${selected_targets[@]}"; do
    med[$target]=$(column_values "$workload" "$target" 4 | median)
  done
  for target in "${selected_targets[@]}"; do
    ok=$(column_values "$workload" "$target" 4 | wc -l)
    ((ok == rounds)) || problems=1
    cpu="-"
    if [[ $target != direct ]] && ((ok > 0)); then
      cpu=$(printf '%.1f' "$(cpu_per_tx_values "$workload" "$target" | median)")
    fi
    tps_text="-"
    ((ok > 0)) && tps_text=$(printf '%.0f' "${med[$target]}")
    printf '| %-19s | %-11s | %10s | %9s | %12s | %15s | %3s/%-3s |\n' "$workload" "$target" \
      "$tps_text" "$(ratio "${med[$target]}" "${med[direct]}")" \
      "$(ratio "${med[$target]}" "${med[pgbouncer]:-}")" "$cpu" "$ok" "$rounds"
  done
  unset med
done

# Anything a proxy logged at warning level or above is worth a look.
for t in "${selected_targets[@]:1}"; do
  log=$work/proxies/$t.log
  [[ $t == pgbouncer ]] && continue
  if [[ -s $log ]]; then
    problems=1
    echo
    echo "$t logged $(wc -l <"$log") line(s) at warning level or above; the first:" >&2
    head -n 10 "$log" | sed 's/^/  /' >&2
  fi
done
if [[ -f $work/proxies/pgbouncer.log ]]; then
  bouncer_errors=$(grep -c -E 'ERROR|FATAL|WARNING' "$work/proxies/pgbouncer.log" || true)
  if ((bouncer_errors > 0)); then
    problems=1
    echo "pgbouncer logged $bouncer_errors error/warning line(s); the first:" >&2
    grep -E 'ERROR|FATAL|WARNING' "$work/proxies/pgbouncer.log" | head -n 5 | sed 's/^/  /' >&2
  fi
fi
echo
echo "runs (CSV): workload,target,round,tps,transactions,failed,proxy_ticks,rc"
tail -n +2 "$csv"
((problems == 0)) || echo "pgbench_compare: some runs failed or a proxy logged problems (see above)" >&2
