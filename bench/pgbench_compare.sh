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
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
bench_name=pgbench_compare

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

max_clients=0
for w in "${selected_workloads[@]}"; do
  c=${workload_args[$w]##* }
  ((c > max_clients)) && max_clients=$c
done

clk_tck=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# The primary: a pgwarden sandbox without standbys, re-tuned for benchmarking.

bench_init /tmp/pgw-bench-XXXXXX
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $load_before"
echo "== creating the primary (pgwarden sandbox up --standbys 0) in $work/sandbox"
sandbox_create 0

app_user=$(manifest_value app_user)
app_password=$(manifest_value app_password)
app_db=$(manifest_value app_database)
pg_port=$(node_port node0)
[[ -n $pg_port && -n $app_user ]] || die "cannot read $sandbox_dir/cluster/cluster.manifest"

# Room for direct clients plus every proxy's idle pool; buffers big enough for scale 10.
connections=$((max_clients * ${#selected_targets[@]} + 20))
((connections < 200)) && connections=200
node_sql node0 -d postgres -c "ALTER SYSTEM SET max_connections = $connections" \
  -c "ALTER SYSTEM SET shared_buffers = '256MB'"
restart_node node0

export PGPASSWORD=$app_password
echo "== pgbench -i -s $scale"
"$pg_bin/pgbench" -i -s "$scale" -q -h 127.0.0.1 -p "$pg_port" -U "$app_user" "$app_db" \
  >"$work/pgbench-init.out" 2>&1 || die "pgbench -i failed: $(cat "$work/pgbench-init.out")"
secret=$(node_sql node0 -d postgres -A -t -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$app_user'")
[[ $secret == SCRAM-SHA-256* ]] || die "the app user has no SCRAM secret"

target_port() {
  case $1 in
    direct) echo "$pg_port" ;;
    *) echo "${proxy_port[$1]}" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# The proxies: session pooling, a pool as large as the largest client count (nobody queues),
# PostgreSQL's own SCRAM secret in the passwords file (pass-through to the server), quiet logs.

start_pgwarden() { # name workers
  local name=$1 workers=$2 dir=$work/proxies/$1 port
  port=$(free_port)
  mkdir -p "$dir"
  {
    pgwarden_config_head "$dir" "$port" "$workers" "$max_clients"
    printf '\n[[backends]]\nname = "node0"\nhost = "127.0.0.1"\nport = %s\n' "$pg_port"
  } >"$dir/pgwarden.toml"
  launch_proxy "$name" "$port" "$pgwarden" run -c "$dir/pgwarden.toml"
}

start_pgbouncer() {
  local dir=$work/proxies/pgbouncer port
  port=$(free_port)
  mkdir -p "$dir"
  printf '"%s" "%s"\n' "$app_user" "$secret" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOT
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
EOT
  chown -R "$(manifest_value os_user)" "$dir"
  chmod 600 "$dir/userlist.txt"
  # PgBouncer refuses to run as root; -u switches to the PostgreSQL user in the same process.
  local -a as_user=()
  ((EUID == 0)) && as_user=(-u "$(manifest_value os_user)")
  proxy_signal[pgbouncer]=TERM # PgBouncer stops at once on SIGTERM (pgwarden would drain)
  launch_proxy pgbouncer "$port" "$pgbouncer_bin" "${as_user[@]}" "$dir/pgbouncer.ini"
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
  node_sql node0 -d "$app_db" -c "VACUUM pgbench_branches" -c "VACUUM pgbench_tellers" \
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
echo "proxy CPU = utime+stime(+cutime+cstime: none) of the proxy process (all threads) / transactions, /proc"
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
