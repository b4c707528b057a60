#!/usr/bin/env bash
# pgbench -S through pgwarden and through pgpool-II, both balancing the reads over a PostgreSQL 15
# primary and its streaming standby (weights 1:1), and directly on the primary, in interleaved
# rounds; prints median TPS, ratios, each proxy's CPU time per transaction (all its processes)
# and the share of the SELECTs each node got (SHOW POOL_NODES). Everything it starts (a sandbox
# primary + standby, pgwarden, pgpool-II) is stopped and removed on exit, Ctrl-C included.
# See bench/README.md for what it measures and how to read the figures.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/pgpool_compare.sh [options]

  -b, --pgwarden PATH   pgwarden binary (env PGWARDEN; default build/dev/bin/pgwarden)
  -r, --rounds N        interleaved rounds (env PGW_BENCH_ROUNDS; default 3)
  -T, --duration S      seconds per pgbench run (env PGW_BENCH_DURATION; default 10)
  -c, --clients N       pgbench clients, -c (env PGW_BENCH_CLIENTS; default 32); also the
                          size of every pool and pgpool-II's num_init_children
  -j, --jobs N          pgbench worker threads, -j (env PGW_BENCH_JOBS; default 2)
  -s, --scale N         pgbench -i scale (env PGW_BENCH_SCALE; default 10: 1,000,000 accounts)
  -M, --protocol P      pgbench -M: simple, extended or prepared (env PGW_BENCH_PROTOCOL;
                          default simple)
  -p, --max-pool N      pgpool-II's max_pool, 1 to 4 (env PGW_BENCH_PGPOOL_MAX_POOL; default 1)
  -t, --targets LIST    comma-separated (env PGW_BENCH_TARGETS; default
                          direct,pgwarden,pgwarden-w2,pgwarden-stmt,pgpool,pgpool-stmt);
                          "direct" is always run
  -l, --logs DIR        copy pgbench outputs, proxy logs and configurations, the runs' CSV to DIR
  -h, --help            this text

Targets: direct (the primary, no proxy); pgwarden (workers = 1, one node per session),
pgwarden-w2 (workers = 2), pgwarden-stmt (workers = 1, one node per statement); pgpool
(pgpool-II, one node per session), pgpool-stmt (statement_level_load_balance = on).

Quick check: bench/pgpool_compare.sh -r 1 -T 3 -t pgwarden,pgpool
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
bench_name=pgpool_compare

pgwarden=${PGWARDEN:-$repo/build/dev/bin/pgwarden}
rounds=${PGW_BENCH_ROUNDS:-3}
duration=${PGW_BENCH_DURATION:-10}
clients=${PGW_BENCH_CLIENTS:-32}
jobs=${PGW_BENCH_JOBS:-2}
scale=${PGW_BENCH_SCALE:-10}
protocol=${PGW_BENCH_PROTOCOL:-simple}
max_pool=${PGW_BENCH_PGPOOL_MAX_POOL:-1}
targets=${PGW_BENCH_TARGETS:-direct,pgwarden,pgwarden-w2,pgwarden-stmt,pgpool,pgpool-stmt}
logs_dir=""
pg_bin=${PGW_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
pgpool_bin=${PGPOOL:-$(command -v pgpool || echo /usr/sbin/pgpool)}

while (($# > 0)); do
  case $1 in
    -b | --pgwarden) pgwarden=$2; shift 2 ;;
    -r | --rounds) rounds=$2; shift 2 ;;
    -T | --duration) duration=$2; shift 2 ;;
    -c | --clients) clients=$2; shift 2 ;;
    -j | --jobs) jobs=$2; shift 2 ;;
    -s | --scale) scale=$2; shift 2 ;;
    -M | --protocol) protocol=$2; shift 2 ;;
    -p | --max-pool) max_pool=$2; shift 2 ;;
    -t | --targets) targets=$2; shift 2 ;;
    -l | --logs) logs_dir=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

known_targets=(direct pgwarden pgwarden-w2 pgwarden-stmt pgpool pgpool-stmt)
# pgwarden target -> "workers statement_level"; pgpool target -> statement_level_load_balance.
declare -A pgwarden_variant=([pgwarden]="1 false" [pgwarden-w2]="2 false" [pgwarden-stmt]="1 true")
declare -A pgpool_variant=([pgpool]=off [pgpool-stmt]=on)
# The pgpool-II target balancing the same way, for the "vs pgpool-II" column.
declare -A pgpool_peer=([pgwarden]=pgpool [pgwarden-w2]=pgpool [pgwarden-stmt]=pgpool-stmt
  [pgpool]=pgpool [pgpool-stmt]=pgpool-stmt)
declare -A balancing=([direct]="- (primary only)" [pgwarden]=session [pgwarden-w2]=session
  [pgwarden-stmt]=statement [pgpool]=session [pgpool-stmt]=statement)

IFS=, read -r -a requested_targets <<<"$targets"
selected_targets=(direct)
for t in "${requested_targets[@]}"; do
  [[ " ${known_targets[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${known_targets[*]})"
  [[ $t == direct || " ${selected_targets[*]} " == *" $t "* ]] || selected_targets+=("$t")
done
for n in "$rounds" "$duration" "$clients" "$jobs" "$scale"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "rounds, duration, clients, jobs and scale must be positive integers"
done
[[ $max_pool =~ ^[1-4]$ ]] || die "max_pool must be 1 to 4"
[[ $protocol =~ ^(simple|extended|prepared)$ ]] || die "protocol must be simple, extended or prepared"
[[ -x $pgwarden ]] || die "no pgwarden binary at $pgwarden (build it: bash scripts/build.sh dev)"
[[ -x $pg_bin/pgbench ]] || die "no pgbench in $pg_bin"
if [[ " ${selected_targets[*]} " == *" pgpool"* ]]; then
  [[ -x $pgpool_bin ]] || die "no pgpool (apt-get install pgpool2)"
fi

clk_tck=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
workload="-S -M $protocol -c $clients"

# ---------------------------------------------------------------------------------------------
# The nodes: a pgwarden sandbox with one streaming standby, re-tuned for benchmarking.

bench_init /tmp/pgw-pgpool-XXXXXX
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $load_before"
echo "== creating a primary and a standby (pgwarden sandbox up --standbys 1) in $work/sandbox"
sandbox_create 1

os_user=$(manifest_value os_user)
app_user=$(manifest_value app_user)
app_password=$(manifest_value app_password)
app_db=$(manifest_value app_database)
primary_port=$(node_port node0)
standby_port=$(node_port node1)
[[ -n $primary_port && -n $standby_port && -n $app_user ]] ||
  die "cannot read $sandbox_dir/cluster/cluster.manifest"
[[ $(node_sql node1 -d postgres -A -t -c "SELECT pg_is_in_recovery()") == t ]] ||
  die "node1 is not a standby"

wait_for_streaming() {
  local i
  for ((i = 0; i < 300; i++)); do
    [[ $(node_sql node0 -d postgres -A -t -c "SELECT count(*) FROM pg_stat_replication
      WHERE application_name = 'node1' AND state = 'streaming'") == 1 ]] && return 0
    sleep 0.1
  done
  die "the standby does not stream from the primary"
}

wait_for_replay() { # until the standby has replayed everything the primary wrote so far
  local lsn i
  lsn=$(node_sql node0 -d postgres -A -t -c "SELECT pg_current_wal_lsn()")
  for ((i = 0; i < 600; i++)); do
    [[ $(node_sql node1 -d postgres -A -t -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'") == t ]] &&
      return 0
    sleep 0.1
  done
  die "the standby did not replay up to $lsn within 60 s"
}

# Room for the direct clients plus every proxy's server connections (at most one per client
# and node each); buffers big enough for scale 10. A hot standby needs max_connections at
# least the primary's: the standby is restarted first.
connections=$((clients * ${#selected_targets[@]} + 30))
((connections < 200)) && connections=200
for node in node1 node0; do
  node_sql "$node" -d postgres -c "ALTER SYSTEM SET max_connections = $connections" \
    -c "ALTER SYSTEM SET shared_buffers = '256MB'"
  restart_node "$node"
done
wait_for_streaming

export PGPASSWORD=$app_password
echo "== pgbench -i -s $scale (on the primary)"
"$pg_bin/pgbench" -i -s "$scale" -q -h 127.0.0.1 -p "$primary_port" -U "$app_user" "$app_db" \
  >"$work/pgbench-init.out" 2>&1 || die "pgbench -i failed: $(cat "$work/pgbench-init.out")"
# Both nodes start with the tables in shared_buffers (the restarts emptied them).
if node_sql node0 -d "$app_db" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" 2>"$work/prewarm.err"; then
  wait_for_replay
  for node in node0 node1; do
    node_sql "$node" -d "$app_db" -A -t -c "SELECT pg_prewarm('pgbench_accounts'),
      pg_prewarm('pgbench_accounts_pkey'), pg_prewarm('pgbench_branches'),
      pg_prewarm('pgbench_tellers')" >/dev/null
  done
else
  echo "   (no pg_prewarm: $(cat "$work/prewarm.err"); the caches warm up during the warm-up runs)" >&2
  wait_for_replay
fi
secret=$(node_sql node0 -d postgres -A -t -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$app_user'")
[[ $secret == SCRAM-SHA-256* ]] || die "the app user has no SCRAM secret"

target_port() {
  case $1 in
    direct) echo "$primary_port" ;;
    *) echo "${proxy_port[$1]}" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# The proxies: session pooling, pools as large as the client count (nobody queues), SCRAM from
# the clients, both nodes with weight 1, quiet logs, no failover (pgwarden: no_failover on both
# backends; pgpool-II: DISALLOW_TO_FAILOVER, no failover on backend errors, no health check).

start_pgwarden() { # name workers statement_level
  local name=$1 workers=$2 statement_level=$3 dir=$work/proxies/$1 port
  port=$(free_port)
  mkdir -p "$dir"
  {
    pgwarden_config_head "$dir" "$port" "$workers" "$clients" info # info: node state changes only
    cat <<EOF

[routing]
load_balance = true
statement_level = $statement_level

[[backends]]
name = "node0"
host = "127.0.0.1"
port = $primary_port
weight = 1
no_failover = true

[[backends]]
name = "node1"
host = "127.0.0.1"
port = $standby_port
weight = 1
no_failover = true
EOF
  } >"$dir/pgwarden.toml"
  launch_proxy "$name" "$port" "$pgwarden" run -c "$dir/pgwarden.toml"
}

# pgpool-II cannot log in to a SCRAM server with PostgreSQL's SCRAM secret: it needs the
# password itself. pool_passwd holds it in plain text ("TEXT" prefix); pool_hba.conf asks the
# clients for scram-sha-256, checked against that password.
start_pgpool() { # name statement_level_load_balance
  local name=$1 statement_level=$2 dir=$work/proxies/$1 port
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/pgpool.conf" <<EOF
# Written by bench/pgpool_compare.sh: pgpool-II 4.3 in front of the sandbox's two nodes.
backend_clustering_mode = 'streaming_replication'
listen_addresses = '127.0.0.1'
port = $port
socket_dir = '$dir'
pcp_listen_addresses = ''
pcp_port = 9898
pcp_socket_dir = '$dir'
wd_ipc_socket_dir = '$dir'
use_watchdog = off

backend_hostname0 = '127.0.0.1'
backend_port0 = $primary_port
backend_weight0 = 1
backend_flag0 = 'DISALLOW_TO_FAILOVER'
backend_application_name0 = 'node0'
backend_hostname1 = '127.0.0.1'
backend_port1 = $standby_port
backend_weight1 = 1
backend_flag1 = 'DISALLOW_TO_FAILOVER'
backend_application_name1 = 'node1'

enable_pool_hba = on
pool_passwd = 'pool_passwd'

num_init_children = $clients
max_pool = $max_pool
connection_cache = on
reset_query_list = 'ABORT; DISCARD ALL'

load_balance_mode = on
statement_level_load_balance = $statement_level

sr_check_period = 10
sr_check_user = '$monitor_user'
sr_check_password = '$(manifest_value monitor_password)'
sr_check_database = 'postgres'
delay_threshold = 0
health_check_period = 0
failover_on_backend_error = off

log_destination = 'stderr'
log_min_messages = warning
log_connections = off
log_disconnections = off
log_statement = off
log_per_node_statement = off
pid_file_name = '$dir/pgpool.pid'
logdir = '$dir'
EOF
  printf 'host all all 127.0.0.1/32 scram-sha-256\n' >"$dir/pool_hba.conf"
  printf '%s:TEXT%s\n' "$app_user" "$app_password" >"$dir/pool_passwd"
  : >"$dir/pcp.conf"
  chmod 600 "$dir/pool_passwd"
  if ((EUID == 0)); then chown -R "$os_user" "$dir"; fi
  launch_pgpool "$name" "$port" "$dir"
}

# SHOW POOL_NODES through a proxy -> "primary_selects standby_selects" (its select_cnt column).
select_counts() { # target
  "$pg_bin/psql" -X -A -F'|' -P footer=off -h 127.0.0.1 -p "${proxy_port[$1]}" -U "$app_user" \
    -d "$app_db" -c 'SHOW POOL_NODES' 2>>"$work/show-pool-nodes.err" |
    awk -F'|' -v p0="$primary_port" -v p1="$standby_port" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["port"] == p0 { s0 = $col["select_cnt"] }
      $col["port"] == p1 { s1 = $col["select_cnt"] }
      END { if (s0 == "" || s1 == "") exit 1; print s0, s1 }'
}

# Until the proxy's SHOW POOL_NODES shows node0 as primary and node1 as standby, both up.
wait_for_roles() { # target
  local i out
  for ((i = 0; i < 150; i++)); do
    out=$("$pg_bin/psql" -X -A -F'|' -P footer=off -h 127.0.0.1 -p "${proxy_port[$1]}" \
      -U "$app_user" -d "$app_db" -c 'SHOW POOL_NODES' 2>&1) || true
    if awk -F'|' -v p0="$primary_port" -v p1="$standby_port" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["status"] ~ /^(up|waiting)$/ && $col["port"] == p0 && $col["role"] == "primary" { a = 1 }
      $col["status"] ~ /^(up|waiting)$/ && $col["port"] == p1 && $col["role"] == "standby" { b = 1 }
      END { exit !(a && b) }' <<<"$out"; then
      return 0
    fi
    sleep 0.2
  done
  die "$1 does not see node0 as primary and node1 as standby; SHOW POOL_NODES: $out"
}

for t in "${selected_targets[@]:1}"; do
  if [[ -n ${pgwarden_variant[$t]+set} ]]; then
    # shellcheck disable=SC2086 # "workers statement_level"
    start_pgwarden "$t" ${pgwarden_variant[$t]}
  else
    start_pgpool "$t" "${pgpool_variant[$t]}"
  fi
done
for t in "${selected_targets[@]}"; do
  [[ $t == direct ]] || wait_for_roles "$t"
  out=$("$pg_bin/psql" -X -A -t -h 127.0.0.1 -p "$(target_port "$t")" -U "$app_user" -d "$app_db" \
    -c "SELECT count(*) FROM pgbench_branches" 2>&1) || die "$t: a first query failed: $out"
done
proxies_up_at=$(date '+%H:%M:%S')
echo "== proxies up: $(for t in "${selected_targets[@]:1}"; do printf '%s (pid %s, port %s) ' \
  "$t" "${proxy_pid[$t]}" "${proxy_port[$t]}"; done)"

# ---------------------------------------------------------------------------------------------
# Runs

# Every process of the benchmark: this script and its descendants (pgbench, psql, the proxies;
# the children it reaped are in its cutime), both PostgreSQL nodes (their postmaster's trees)
# and the sandbox's own (idle) pgwarden. What the machine did besides is other people's work.
benchmark_pids() {
  local node pid=""
  process_tree $$
  for node in node0 node1; do
    pid=$(head -n 1 "$sandbox_dir/cluster/$node/data/postmaster.pid" 2>/dev/null) || pid=""
    if [[ -n $pid ]]; then process_tree "$pid"; fi
  done
  pid=$(cat "$sandbox_dir/proxy/pgwarden.pid" 2>/dev/null) || pid=""
  if [[ -n $pid ]]; then echo "$pid"; fi
}

# One pgbench run; appends to the CSV: target, round, tps, transactions, failed, proxy_ticks
# (all the proxy's processes), rc, primary_selects and standby_selects (select_cnt deltas),
# processes (the proxy's, at the end), start (local time, as in the proxies' logs), other_pct
# (CPU of processes not the benchmark's, % of all cores), steal_pct (% of all cores).
run_one() { # target round seconds
  local target=$1 round=$2 seconds=$3
  local out=$work/runs/$target.$round.out rc=0 ticks=0 processes=0 before="" after=""
  local sel_before="" sel_after="" d0="-" d1="-" start t0 t1 m0 m1 o0 o1 noise
  local -a pids=() ours=()
  node_sql node0 -d "$app_db" -c "CHECKPOINT"
  if [[ $target != direct ]]; then
    if ! kill -0 "${proxy_pid[$target]}" 2>/dev/null; then
      echo "$target,$round,0,0,0,0,dead,-,-,0,$(date '+%H:%M:%S'),-,-" >>"$csv"
      echo "   !! $target is not running any more" >&2
      return
    fi
    sel_before=$(select_counts "$target") || sel_before=""
    mapfile -t pids < <(process_tree "${proxy_pid[$target]}")
    before=$(cpu_ticks "${pids[@]}")
  fi
  start=$(date '+%H:%M:%S')
  mapfile -t ours < <(benchmark_pids)
  o0=$(cpu_ticks "${ours[@]}")
  m0=$(machine_ticks)
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086 # $workload holds several options
  "$pg_bin/pgbench" -n $workload -j "$jobs" -T "$seconds" \
    -h 127.0.0.1 -p "$(target_port "$target")" -U "$app_user" "$app_db" >"$out" 2>&1 &
  pgbench_pid=$!
  wait "$pgbench_pid" || rc=$?
  pgbench_pid=""
  t1=$EPOCHREALTIME
  m1=$(machine_ticks)
  mapfile -t ours < <(benchmark_pids)
  o1=$(cpu_ticks "${ours[@]}")
  noise=$(awk -v t0="$t0" -v t1="$t1" -v m0="$m0" -v m1="$m1" -v o0="$o0" -v o1="$o1" \
    -v hz="$clk_tck" -v cpus="$(nproc)" 'BEGIN {
      split(m0, a, " "); split(m1, b, " "); all = (t1 - t0) * hz * cpus / 100
      printf "%.1f,%.1f", (b[1] - a[1] - (o1 - o0)) / all, (b[2] - a[2]) / all }')
  if [[ $target != direct ]]; then
    if kill -0 "${proxy_pid[$target]}" 2>/dev/null; then
      # The processes now (a pgpool child that exited meanwhile is in its parent's cutime).
      mapfile -t pids < <(process_tree "${proxy_pid[$target]}")
      processes=${#pids[@]}
      after=$(cpu_ticks "${pids[@]}")
      ticks=$((after - before))
      sel_after=$(select_counts "$target") || sel_after=""
      if [[ -n $sel_before && -n $sel_after ]]; then
        read -r d0 d1 <<<"$(awk -v b="$sel_before" -v a="$sel_after" 'BEGIN {
          split(b, x, " "); split(a, y, " "); print y[1] - x[1], y[2] - x[2] }')"
      fi
    else
      rc=dead
    fi
  fi
  local tps txns failed
  read -r tps txns failed < <(pgbench_numbers "$out")
  echo "$target,$round,$tps,$txns,$failed,$ticks,$rc,$d0,$d1,$processes,$start,$noise" >>"$csv"
  if [[ $rc != 0 || $failed != 0 || $txns == 0 ]]; then
    echo "   !! $target: pgbench exit status $rc, failed transactions $failed; $out:" >&2
    grep -v '^\(progress\|pgbench (\)' "$out" | tail -n 8 | sed 's/^/      /' >&2
  fi
}

csv=$work/runs/runs.csv
csv_header=target,round,tps,transactions,failed,proxy_ticks,rc,primary_selects,standby_selects
csv_header+=,processes,start,other_pct,steal_pct
echo "$csv_header" >"$csv"
echo "== pgbench -n $workload -j $jobs: ${#selected_targets[@]} targets x $rounds rounds of ${duration}s"

# A short unmeasured warm-up per target: fills the proxies' pools (and pgpool's relation cache).
for target in "${selected_targets[@]}"; do
  # shellcheck disable=SC2086 # $workload holds several options
  "$pg_bin/pgbench" -n $workload -j "$jobs" -T 2 -h 127.0.0.1 -p "$(target_port "$target")" \
    -U "$app_user" "$app_db" >"$work/runs/$target.warm-up.out" 2>&1 ||
    echo "   !! $target: the warm-up run failed; $work/runs/$target.warm-up.out" >&2
done
for ((round = 0; round < rounds; round++)); do
  order=()
  n=${#selected_targets[@]}
  for ((i = 0; i < n; i++)); do
    order+=("${selected_targets[$(((i + round) % n))]}")
  done
  echo "-- round $((round + 1))/$rounds: ${order[*]}"
  for target in "${order[@]}"; do
    run_one "$target" "$round" "$duration"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report

ok_runs() { # target -> its CSV lines of successful runs (exit status 0, no failed transaction)
  awk -F, -v t="$1" 'NR > 1 && $1 == t && $7 == "0" && $5 == "0" && $4 > 0' "$csv"
}

echo
echo "pgbench -n $workload -j $jobs -T $duration, scale $scale, $rounds interleaved rounds, median"
echo "of rounds. Proxy CPU = utime+stime+cutime+cstime over all the proxy's processes (pgpool-II:"
echo "the main process and all its descendants) / transactions, from /proc ($clk_tck ticks/s)."
echo "Selects: select_cnt deltas of SHOW POOL_NODES, summed over the successful runs."
echo "Load average before: $load_before; after: $load_after. $(nproc) cores."
echo
printf '| %-13s | %-9s | %10s | %9s | %11s | %15s | %-17s | %-13s | %9s | %6s | %7s |\n' target \
  balancing "median TPS" "vs direct" "vs pgpool-II" "proxy CPU µs/tx" "selects prim/stby" \
  "primary %/run" "selects/tx" failed "runs ok"
echo "|---------------|-----------|-----------:|----------:|------------:|----------------:|-------------------|---------------|-----------:|-------:|--------:|"
problems=0
declare -A med=()
for target in "${selected_targets[@]}"; do
  med[$target]=$(ok_runs "$target" | cut -d, -f3 | median)
done
for target in "${selected_targets[@]}"; do
  ok=$(ok_runs "$target" | wc -l)
  ((ok == rounds)) || problems=1
  failed_total=$(awk -F, -v t="$target" 'NR > 1 && $1 == t { s += $5 } END { print s + 0 }' "$csv")
  tps_text="-" cpu="-" shares="-" per_run="-" per_tx="-"
  if ((ok > 0)); then
    tps_text=$(printf '%.0f' "${med[$target]}")
    if [[ $target != direct ]]; then
      cpu=$(printf '%.1f' "$(ok_runs "$target" |
        awk -F, -v hz="$clk_tck" '{ printf "%.6f\n", $6 * 1e6 / hz / $4 }' | median)")
      read -r shares per_run per_tx <<<"$(ok_runs "$target" | awk -F, '
        $8 != "-" && $9 != "-" {
          s0 += $8; s1 += $9; tx += $4
          runs = runs (runs == "" ? "" : ",") sprintf("%.0f", ($8 + $9 > 0 ? 100 * $8 / ($8 + $9) : 0))
        }
        END {
          if (s0 + s1 == 0) { print "- - -"; exit }
          printf "%.0f%%/%.0f%% %s %.3f\n", 100 * s0 / (s0 + s1), 100 * s1 / (s0 + s1), runs, (s0 + s1) / tx
        }')"
    fi
  fi
  peer=${pgpool_peer[$target]:-}
  vs_pgpool="-"
  if [[ -n $peer && $peer != "$target" ]]; then vs_pgpool=$(ratio "${med[$target]}" "${med[$peer]:-}"); fi
  printf '| %-13s | %-9s | %10s | %9s | %11s | %15s | %-17s | %-13s | %10s | %6s | %3s/%-3s |\n' \
    "$target" "${balancing[$target]%% *}" "$tps_text" "$(ratio "${med[$target]}" "${med[direct]}")" \
    "$vs_pgpool" "$cpu" "$shares" "$per_run" "$per_tx" "$failed_total" "$ok" "$rounds"
done
echo
noise() { # CSV column -> "median M, max X" over all runs
  awk -F, -v c="$1" 'NR > 1 && $c != "-" { print $c }' "$csv" | sort -g |
    awk '{ v[++n] = $1 } END { if (n) printf "median %.1f%%, max %.1f%%", v[int((n + 1) / 2)], v[n] }'
}
echo "CPU used by other processes than the benchmark's during the runs, % of all $(nproc) cores:"
echo "$(noise 12); steal time: $(noise 13)."
for target in "${selected_targets[@]:1}"; do
  if [[ -n ${pgpool_variant[$target]+set} ]]; then
    echo "$target: $(awk -F, -v t="$target" 'NR > 1 && $1 == t { n = $10 } END { print n + 0 }' "$csv") processes (main, $clients children, pcp, workers)"
  fi
done

# Which measured run a log time (HH:MM:SS, local) fell into.
run_at() { # HH:MM:SS
  awk -F, -v t="$1" -v d="$duration" '
    function s(x, a) { split(x, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    NR > 1 && s(t) >= s($11) && s(t) <= s($11) + d + 1 { print "during " $1 " round " $2 + 1; f = 1; exit }
    END { if (!f) print "outside the measured runs" }' "$csv"
}

# pgwarden (info level: node state changes only, no sessions): its warnings and errors, and
# the node state changes its replication monitor saw after the start, each with the run it
# fell into; the same for the sandbox's own idle pgwarden, for comparison. pgpool-II: its
# warnings and errors.
state_changes='is down|is up|still down|primary:|false primary|is now a'
for t in "${selected_targets[@]:1}" sandbox-pgwarden; do
  log=$work/proxies/$t.log
  if [[ $t == sandbox-pgwarden ]]; then
    log=$sandbox_dir/proxy/pgwarden.log
    [[ -f $log ]] || continue
  fi
  if [[ $t == sandbox-pgwarden || -n ${pgwarden_variant[$t]+set} ]]; then
    warnings=$(awk '$3 ~ /^(warning|error|critical)$/' "$log" | grep -c -v -E "$state_changes" || true)
    events=$(awk -v since="$proxies_up_at" '$2 >= since' "$log" | grep -E "$state_changes" || true)
    if [[ $t != sandbox-pgwarden ]] && { ((warnings > 0)) || [[ -n $events ]]; }; then problems=1; fi
    if ((warnings > 0)); then
      echo "$t logged $warnings other warning/error line(s); the first:" >&2
      awk '$3 ~ /^(warning|error|critical)$/' "$log" | grep -v -E "$state_changes" | head -n 10 |
        sed 's/^/  /' >&2
    fi
    if [[ -n $events ]]; then
      [[ $t == sandbox-pgwarden ]] && echo "the sandbox's own pgwarden (idle, default settings):"
      [[ $t != sandbox-pgwarden ]] && echo "$t: node state changes seen by its replication monitor:"
      while read -r day time rest; do
        echo "  $day $time $rest  <- $(run_at "${time%.*}")"
      done <<<"$events"
    fi
  else
    errors=$(grep -c -E '(WARNING|ERROR|FATAL|PANIC):' "$log" || true)
    if ((errors > 0)); then
      problems=1
      echo "$t logged $errors warning/error line(s); the first:" >&2
      grep -E '(WARNING|ERROR|FATAL|PANIC):' "$log" | head -n 5 | sed 's/^/  /' >&2
    fi
  fi
done
if [[ -s $work/show-pool-nodes.err ]]; then
  problems=1
  echo "SHOW POOL_NODES failed at times:" >&2
  sort "$work/show-pool-nodes.err" | uniq -c | head -n 5 | sed 's/^/  /' >&2
fi
echo
echo "runs (CSV): $csv_header"
tail -n +2 "$csv"
((problems == 0)) || echo "pgpool_compare: some runs failed or a proxy logged problems (see above)" >&2
