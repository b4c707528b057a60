#!/usr/bin/env bash
# Failover time through a proxy: under a steady writer (one INSERT per connection, each
# acknowledged id logged), kill -9 the primary's postmaster and measure the time until the first
# INSERT acknowledged by the new primary through the proxy; then count the acknowledged ids
# missing on the new primary. For pgwarden in asynchronous and in synchronous mode and for
# pgpool-II (health checks, a local failover_command that promotes with pg_ctl), each run on a
# fresh sandbox cluster (a primary and 2 streaming standbys); prints every run and the medians.
# Everything it starts is stopped and removed on exit, Ctrl-C included.
# See bench/README.md ("Failover") for the method and the settings.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/failover.sh [options]

  -b, --pgwarden PATH   pgwarden binary (env PGWARDEN; default build/dev/bin/pgwarden)
  -r, --runs N          runs per target, interleaved (env PGW_BENCH_RUNS; default 5)
  -t, --targets LIST    comma-separated (env PGW_BENCH_TARGETS; default
                          pgwarden,pgwarden-sync,pgpool,pgpool-hc)
  -s, --standbys N      standbys per cluster, 1 to 5 (env PGW_BENCH_STANDBYS; default 2)
  -w, --warm-up S       seconds of steady writes before the kill (env PGW_BENCH_WARMUP; default 3)
  -W, --wait S          how long to wait for the first write after the kill before the run
                          counts as failed (env PGW_BENCH_WAIT; default 60)
  -a, --after S         seconds of writes after the first one on the new primary
                          (env PGW_BENCH_AFTER; default 2)
  -l, --logs DIR        copy every run's writer log, proxy log and configuration, failover
                          script log and PostgreSQL logs, and the runs' CSV to DIR
  -h, --help            this text

Targets: pgwarden (asynchronous replication), pgwarden-sync ([failover] synchronous_mode = true,
synchronous_commit = on), pgpool (pgpool-II 4.3, asynchronous replication, health checks every
second and failover_on_backend_error = on, its default), pgpool-hc (the same with
failover_on_backend_error = off: only the health checks fail a node over).

Quick check: bench/failover.sh -r 1 -w 2 -a 1
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
bench_name=failover

pgwarden=${PGWARDEN:-$repo/build/dev/bin/pgwarden}
runs=${PGW_BENCH_RUNS:-5}
targets=${PGW_BENCH_TARGETS:-pgwarden,pgwarden-sync,pgpool,pgpool-hc}
standbys=${PGW_BENCH_STANDBYS:-2}
warm_up=${PGW_BENCH_WARMUP:-3}
wait_limit=${PGW_BENCH_WAIT:-60}
after=${PGW_BENCH_AFTER:-2}
logs_dir=""
pg_bin=${PGW_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
pgpool_bin=${PGPOOL:-$(command -v pgpool || echo /usr/sbin/pgpool)}

while (($# > 0)); do
  case $1 in
    -b | --pgwarden) pgwarden=$2; shift 2 ;;
    -r | --runs) runs=$2; shift 2 ;;
    -t | --targets) targets=$2; shift 2 ;;
    -s | --standbys) standbys=$2; shift 2 ;;
    -w | --warm-up) warm_up=$2; shift 2 ;;
    -W | --wait) wait_limit=$2; shift 2 ;;
    -a | --after) after=$2; shift 2 ;;
    -l | --logs) logs_dir=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

known_targets=(pgwarden pgwarden-sync pgpool pgpool-hc)
IFS=, read -r -a requested_targets <<<"$targets"
selected_targets=()
for t in "${requested_targets[@]}"; do
  [[ " ${known_targets[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${known_targets[*]})"
  [[ " ${selected_targets[*]} " == *" $t "* ]] || selected_targets+=("$t")
done
((${#selected_targets[@]} > 0)) || die "no target"
for n in "$runs" "$warm_up" "$wait_limit" "$after"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "runs, warm-up, wait and after must be positive integers"
done
[[ $standbys =~ ^[1-5]$ ]] || die "standbys must be 1 to 5"
[[ -x $pgwarden ]] || die "no pgwarden binary at $pgwarden (build it: bash scripts/build.sh dev)"
[[ -x $pg_bin/psql && -x $pg_bin/pg_ctl ]] || die "no psql or pg_ctl in $pg_bin"
if [[ " ${selected_targets[*]} " == *" pgpool"* ]]; then
  [[ -x $pgpool_bin ]] || die "no pgpool (apt-get install pgpool2)"
fi

# ---------------------------------------------------------------------------------------------
# The writer: one psql per INSERT, i.e. a new connection (and SCRAM exchange) for every row, so
# that a broken connection costs one attempt and the next attempt starts clean; nothing to
# resynchronise, no client-side retry logic to trust. Every attempt gets a new id and one line
# in the log: "id start end ok PORT" (PORT: inet_server_port() of the server that acknowledged
# the INSERT, i.e. which node took it) or "id start end err STATUS"; start and end are
# $EPOCHREALTIME. An attempt that failed is not acknowledged: whether it committed is unknown.

writer_pid=""
writer() { # port log errors
  local port=$1 log=$2 errors=$3 id=0 t0 t1 rc child="" server
  local out=$log.out err=$log.err1
  trap '[[ -n $child ]] && kill -TERM "$child" 2>/dev/null; exit 0' TERM
  while :; do
    id=$((id + 1))
    rc=0
    t0=$EPOCHREALTIME
    "$pg_bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$app_user" \
      -d "$app_db" -c "INSERT INTO acked (id) VALUES ($id) RETURNING inet_server_port()" \
      >"$out" 2>"$err" &
    child=$!
    wait "$child" || rc=$?
    child=""
    t1=$EPOCHREALTIME
    server=""
    if ((rc == 0)); then read -r server <"$out" || true; fi
    if [[ $server =~ ^[0-9]+$ ]]; then
      echo "$id $t0 $t1 ok $server" >>"$log"
    else
      echo "$id $t0 $t1 err $rc" >>"$log"
      sed "s/^/$id $t1 /" "$err" >>"$errors"
    fi
  done
}

bench_cleanup_first() {
  if [[ -n $writer_pid ]]; then stop_pid "$writer_pid" TERM; fi
  writer_pid=""
}

# ---------------------------------------------------------------------------------------------
# The cluster of one run

# The sandbox's own pgwarden (started by `sandbox up`, with failover on and the superuser
# password) would fail over the cluster too: it is stopped before anything else.
stop_sandbox_proxy() {
  local pid="" cmdline=""
  if [[ -r $sandbox_dir/proxy/pgwarden.pid ]]; then read -r pid <"$sandbox_dir/proxy/pgwarden.pid" || true; fi
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmdline == *"$sandbox_dir/proxy"* ]] || return 0
  stop_pid "$pid" TERM
}

node_names() { # node0 (the primary) node1 ... nodeN
  local i
  for ((i = 0; i <= standbys; i++)); do echo "node$i"; done
}

wait_for_streaming() { # every standby streams from the primary
  local i
  for ((i = 0; i < 300; i++)); do
    [[ $(node_sql node0 -d postgres -A -t -c "SELECT count(*) FROM pg_stat_replication
      WHERE state = 'streaming'") == "$standbys" ]] && return 0
    sleep 0.1
  done
  die "the standbys do not all stream from the primary"
}

wait_for_replay() { # every standby has replayed what the primary wrote so far
  local lsn i node
  lsn=$(node_sql node0 -d postgres -A -t -c "SELECT pg_current_wal_lsn()")
  for node in $(node_names); do
    [[ $node == node0 ]] && continue
    for ((i = 0; i < 600; i++)); do
      [[ $(node_sql "$node" -d postgres -A -t -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'") == t ]] &&
        break
      sleep 0.1
    done
    ((i < 600)) || die "$node did not replay up to $lsn within 60 s"
  done
}

# Until the proxy's SHOW POOL_NODES shows node0 as primary and every other node as standby,
# all up (pgwarden and pgpool-II both have status, port and role columns).
wait_for_roles() { # name
  local i out ports
  ports=$(for node in $(node_names); do node_port "$node"; done | tr '\n' ' ')
  for ((i = 0; i < 150; i++)); do
    out=$("$pg_bin/psql" -X -A -F'|' -P footer=off -h 127.0.0.1 -p "${proxy_port[$1]}" \
      -U "$app_user" -d "$app_db" -c 'SHOW POOL_NODES' 2>&1) || true
    if awk -F'|' -v ports="$ports" '
      BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) want[p[i]] = (i == 1 ? "primary" : "standby") }
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["status"] ~ /^(up|waiting)$/ && want[$col["port"]] == $col["role"] { ok[$col["port"]] = 1 }
      END { for (q in want) if (!ok[q]) exit 1 }' <<<"$out"; then
      return 0
    fi
    sleep 0.2
  done
  die "$1 does not see node0 as primary and the others as standbys; SHOW POOL_NODES: $out"
}

# pgwarden-sync: until pgwarden has set synchronous_standby_names on the primary and a standby
# is synchronous there.
wait_for_synchronous() {
  local i
  for ((i = 0; i < 300; i++)); do
    [[ $(node_sql node0 -d postgres -A -t -c "SELECT current_setting('synchronous_standby_names') <> ''
      AND current_setting('synchronous_commit') = 'on'
      AND (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')) > 0") == t ]] &&
      return 0
    sleep 0.1
  done
  die "no synchronous standby: $(node_sql node0 -d postgres -A -t -c "SELECT
    current_setting('synchronous_standby_names'), current_setting('synchronous_commit')")"
}

# ---------------------------------------------------------------------------------------------
# The proxies

# pgwarden with the fast settings of tests/integration/failover_smoke_test.cpp (health checks
# every 200 ms, connect timeout 500 ms; monitor every 200 ms), and the same retry settings as
# pgpool-II below: one retry, no delay (PGW_BENCH_RETRY_DELAY, default "0s"; pgpool-II's
# health_check_retry_delay takes whole seconds only, and 0 is what it gets). pgwarden still
# confirms a failure with a second check; pgpool-II fails over on the first backend error.
start_pgwarden() { # name synchronous_mode
  local name=$1 synchronous=$2 dir=$work/proxies/$1 port node
  port=$(free_port)
  mkdir -p "$dir"
  {
    pgwarden_config_head "$dir" "$port" 1 4 info 'period = "200ms"'
    cat <<EOF

[health_check]
period = "200ms"
connect_timeout = "500ms"
retries = 1
retry_delay = "${PGW_BENCH_RETRY_DELAY:-0s}"

[failover]
superuser = "postgres"
password = "$(manifest_value superuser_password)"
synchronous_mode = $synchronous
EOF
    for node in $(node_names); do
      printf '\n[[backends]]\nname = "%s"\nhost = "127.0.0.1"\nport = %s\nweight = 1\n' \
        "$node" "$(node_port "$node")"
    done
  } >"$dir/pgwarden.toml"
  launch_proxy "$name" "$port" "$pgwarden" run -c "$dir/pgwarden.toml"
}

# pgpool-II 4.3 in streaming-replication mode, health checks every second, failover on backend
# errors (its default) or not, and a failover_command that promotes the new main node with
# pg_ctl; no follow_primary_command.
start_pgpool() { # name failover_on_backend_error
  local name=$1 backend_error=$2 dir=$work/proxies/$1 port i node
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/failover.sh" <<EOF
#!/bin/sh
# pgpool-II's failover_command, written by bench/failover.sh: %d %P %m %r %R, i.e. the failed
# node, the old primary, the new main node (the live node with the smallest id), its port and
# its data directory. Promotes the new main node when the primary failed; logs with timestamps.
failed=\$1 old_primary=\$2 new_main=\$3 new_port=\$4 new_dir=\$5
log='$dir/failover.log'
echo "\$(date +%s.%N) start: failed node \$failed, old primary \$old_primary, new main \$new_main (port \$new_port)" >>"\$log"
if [ "\$failed" != "\$old_primary" ]; then
  echo "\$(date +%s.%N) end: a standby failed, nothing to promote" >>"\$log"
  exit 0
fi
if [ "\$new_main" = "-1" ] || [ -z "\$new_dir" ]; then
  echo "\$(date +%s.%N) end: no node to promote" >>"\$log"
  exit 1
fi
'$pg_bin/pg_ctl' promote -w -t 60 -D "\$new_dir" >>"\$log" 2>&1
status=\$?
echo "\$(date +%s.%N) end: pg_ctl promote exit status \$status" >>"\$log"
exit \$status
EOF
  chmod 755 "$dir/failover.sh"
  {
    cat <<EOF
# Written by bench/failover.sh: pgpool-II 4.3 in front of the sandbox's nodes, with failover.
backend_clustering_mode = 'streaming_replication'
listen_addresses = '127.0.0.1'
port = $port
socket_dir = '$dir'
pcp_listen_addresses = ''
pcp_port = 9898
pcp_socket_dir = '$dir'
wd_ipc_socket_dir = '$dir'
use_watchdog = off
EOF
    i=0
    for node in $(node_names); do
      cat <<EOF

backend_hostname$i = '127.0.0.1'
backend_port$i = $(node_port "$node")
backend_weight$i = 1
backend_flag$i = 'ALLOW_TO_FAILOVER'
backend_data_directory$i = '$sandbox_dir/cluster/$node/data'
backend_application_name$i = '$node'
EOF
      i=$((i + 1))
    done
    cat <<EOF

enable_pool_hba = on
pool_passwd = 'pool_passwd'

num_init_children = 4
max_pool = 1
connection_cache = on
reset_query_list = 'ABORT; DISCARD ALL'
load_balance_mode = on

sr_check_period = 1
sr_check_user = '$monitor_user'
sr_check_password = '$(manifest_value monitor_password)'
sr_check_database = 'postgres'
delay_threshold = 0

health_check_period = 1
health_check_timeout = 1
health_check_user = '$monitor_user'
health_check_password = '$(manifest_value monitor_password)'
health_check_database = 'postgres'
health_check_max_retries = 1
health_check_retry_delay = 0
connect_timeout = 500

failover_on_backend_error = $backend_error
failover_on_backend_shutdown = off
failover_command = '$dir/failover.sh %d %P %m %r %R'
follow_primary_command = ''
search_primary_node_timeout = 300
auto_failback = off
detach_false_primary = off

log_destination = 'stderr'
log_min_messages = warning
log_connections = off
log_disconnections = off
log_statement = off
log_per_node_statement = off
pid_file_name = '$dir/pgpool.pid'
logdir = '$dir'
EOF
  } >"$dir/pgpool.conf"
  printf 'host all all 127.0.0.1/32 scram-sha-256\n' >"$dir/pool_hba.conf"
  printf '%s:TEXT%s\n' "$app_user" "$app_password" >"$dir/pool_passwd"
  : >"$dir/pcp.conf"
  : >"$dir/failover.log"
  chmod 600 "$dir/pool_passwd"
  if ((EUID == 0)); then chown -R "$os_user" "$dir"; fi
  launch_pgpool "$name" "$port" "$dir"
}

# ---------------------------------------------------------------------------------------------
# One run

log_epoch() { # "YYYY-MM-DD HH:MM:SS.mmm [zone]" -> seconds since the epoch, "" if empty
  [[ -n $1 ]] || return 0
  date -d "$1" +%s.%N 2>/dev/null || true
}

since_kill() { # epoch -> seconds after the kill, 3 decimals; "-" when unknown
  if [[ -z $1 ]]; then echo "-"; else awk -v t="$1" -v k="$kill_at" 'BEGIN { printf "%.3f", t - k }'; fi
}

compile_jobs() { # processes of other people's builds running now (ninja, compilers, linkers)
  local comm n=0 f
  for f in /proc/[0-9]*/comm; do
    { read -r comm <"$f"; } 2>/dev/null || continue
    case $comm in ninja | cc1plus | cc1 | ld | ld.gold | ld.lld | clang* | g++ | c++) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

teardown_run() { # rundir
  local rdir=$1 name pid node
  bench_cleanup_first
  for name in "${!proxy_pid[@]}"; do
    stop_pid "${proxy_pid[$name]}" "${proxy_signal[$name]:-INT}"
  done
  for pid in "${other_pids[@]}"; do stop_pid "$pid" TERM; done
  proxy_pid=() proxy_signal=() proxy_port=() other_pids=()
  if [[ -n $sandbox_dir && -e $sandbox_dir ]]; then
    for node in $(node_names); do
      cp "$sandbox_dir/cluster/$node/postgres.log" "$rdir/$node.log" 2>/dev/null || true
    done
    # A cluster left running would share the machine with the next runs: stop here (the
    # cleanup tries again).
    "$pgwarden" sandbox down --dir "$sandbox_dir" >"$rdir/sandbox-down.out" 2>&1 ||
      die "'pgwarden sandbox down --dir $sandbox_dir' failed: $(cat "$rdir/sandbox-down.out")"
  fi
  sandbox_dir=""
}

run_one() { # target run
  local target=$1 run=$2 name=$1.$2 rdir=$work/runs/$1.$2
  local node old_port pm_pid first="" detected="" promoted="" new_primary="" new_port=""
  local status=ok lost=- acked_before=0 acked_total=0 failed_after=0 old_after=0 doubt=0
  local took="-" busy line unsync=- restored
  mkdir -p "$rdir"
  sandbox_create "$standbys"
  stop_sandbox_proxy
  os_user=$(manifest_value os_user)
  app_user=$(manifest_value app_user)
  app_password=$(manifest_value app_password)
  app_db=$(manifest_value app_database)
  export PGPASSWORD=$app_password
  if [[ $target == pgwarden-sync ]]; then
    for node in $(node_names); do
      node_sql "$node" -d postgres -c "ALTER SYSTEM SET synchronous_commit = on" \
        -c "SELECT pg_reload_conf()" >/dev/null
    done
  fi
  node_sql node0 -d "$app_db" -c "CREATE TABLE acked (id bigint PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp())" -c "ALTER TABLE acked OWNER TO \"$app_user\""
  secret=$(node_sql node0 -d postgres -A -t -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$app_user'")
  [[ $secret == SCRAM-SHA-256* ]] || die "the app user has no SCRAM secret"
  wait_for_streaming
  wait_for_replay

  case $target in
    pgwarden) start_pgwarden "$name" false ;;
    pgwarden-sync) start_pgwarden "$name" true ;;
    pgpool) start_pgpool "$name" on ;;
    pgpool-hc) start_pgpool "$name" off ;;
  esac
  wait_for_roles "$name"
  [[ $target == pgwarden-sync ]] && wait_for_synchronous

  local log=$rdir/writer.log
  : >"$log"
  : >"$rdir/writer.errors"
  writer "${proxy_port[$name]}" "$log" "$rdir/writer.errors" &
  writer_pid=$!
  # Plus a random fraction of a second: the kill meets the proxies' periodic health checks at a
  # random phase (otherwise the script's fixed timing would fix it, run after run).
  sleep "$warm_up.$(printf '%03d' $((RANDOM % 1000)))"
  acked_before=$(awk '$4 == "ok"' "$log" | wc -l)
  ((acked_before > 0)) || die "$name: no write acknowledged in ${warm_up}s: $(tail -n 5 "$rdir/writer.errors")"

  old_port=$(node_port node0)
  read -r pm_pid <"$sandbox_dir/cluster/node0/data/postmaster.pid"
  if ! [[ $pm_pid =~ ^[0-9]+$ ]] || ! kill -0 "$pm_pid"; then die "no postmaster PID for node0"; fi
  busy=$(compile_jobs)
  kill_at=$EPOCHREALTIME
  kill -KILL "$pm_pid"
  echo "$kill_at" >"$rdir/kill_at"

  # The first INSERT acknowledged by another node than the old primary, after the kill.
  local deadline=$((SECONDS + wait_limit))
  while ((SECONDS < deadline)); do
    first=$(awk -v k="$kill_at" -v old="$old_port" 'NF == 5 && $4 == "ok" && $5 != old && $3 - k > 0 {
      print $3; exit }' "$log")
    [[ -n $first ]] && break
    kill -0 "$writer_pid" 2>/dev/null || die "$name: the writer died"
    sleep 0.05
  done
  if [[ -n $first ]]; then
    sleep "$after"
  else
    status=timeout
  fi
  bench_cleanup_first
  rm -f "$log.out" "$log.err1"
  # The errors the writer got after the kill, digits masked, for the report.
  awk -v k="$kill_at" '$2 - k > 0 { $1 = ""; $2 = ""; sub(/^ +/, ""); gsub(/[0-9]+/, "N"); print }' \
    "$rdir/writer.errors" >>"$work/runs/$target.errors"

  # What happened, from the writer's log, the nodes and the proxy's log.
  acked_before=$(awk -v k="$kill_at" '$4 == "ok" && $3 - k <= 0' "$log" | wc -l)
  acked_total=$(awk '$4 == "ok"' "$log" | wc -l)
  old_after=$(awk -v k="$kill_at" -v old="$old_port" '$4 == "ok" && $5 == old && $3 - k > 0' "$log" | wc -l)
  if [[ -n $first ]]; then
    failed_after=$(awk -v k="$kill_at" -v f="$first" '$4 == "err" && $3 - k > 0 && $3 - f < 0' "$log" | wc -l)
  else
    failed_after=$(awk -v k="$kill_at" '$4 == "err" && $3 - k > 0' "$log" | wc -l)
  fi
  local primaries=()
  for node in $(node_names); do
    [[ $node == node0 ]] && continue
    [[ $(node_sql "$node" -d postgres -A -t -c "SELECT pg_is_in_recovery()" 2>/dev/null) == f ]] &&
      primaries+=("$node")
  done
  if ((${#primaries[@]} == 1)); then
    new_primary=${primaries[0]}
    new_port=$(node_port "$new_primary")
    node_sql "$new_primary" -d "$app_db" -A -t -c "SELECT id FROM acked" | sort >"$rdir/present"
    awk '$4 == "ok" { print $1 }' "$log" | sort >"$rdir/acked"
    comm -23 "$rdir/acked" "$rdir/present" >"$rdir/lost"
    lost=$(wc -l <"$rdir/lost")
    # Attempts that failed for the client but committed (in doubt: the client cannot know).
    awk '$4 == "err" { print $1 }' "$log" | sort | comm -12 - "$rdir/present" >"$rdir/in_doubt"
    doubt=$(wc -l <"$rdir/in_doubt")
    line=$(grep -m 1 'selected new timeline ID' "$sandbox_dir/cluster/$new_primary/postgres.log" || true)
    promoted=$(log_epoch "$(awk '{ print $1, $2, $3 }' <<<"$line")")
  else
    if [[ $status == ok ]]; then status="primaries:${#primaries[@]}"; fi
    new_primary="-"
  fi
  case $target in
    pgwarden*)
      line=$(grep -m 1 'failover starts' "$work/proxies/$name.log" || true)
      detected=$(log_epoch "$(awk '{ print $1, $2 }' <<<"$line")")
      took=$(sed -n 's/.*failover took \([0-9]*\) ms.*/\1/p' "$work/proxies/$name.log" | head -n 1)
      took=${took:-"-"}
      # Synchronous mode: writes the new primary acknowledged before pgwarden had set its
      # synchronous_standby_names (they waited for no standby).
      if [[ $target == pgwarden-sync && -n $new_port ]]; then
        line=$(awk '/failover starts/ { f = 1 } f && /synchronous_standbys: synchronous_standby_names/ {
          print $1, $2; exit }' "$work/proxies/$name.log")
        restored=$(log_epoch "$line")
        unsync=$(awk -v p="$new_port" -v r="${restored:-9999999999}" '$4 == "ok" && $5 == p && $3 - r < 0' "$log" | wc -l)
      fi
      ;;
    pgpool*)
      detected=$(awk '/ start: failed node/ { print $1; exit }' "$work/proxies/$name/failover.log")
      took=$(awk '/ start: failed node/ && !s { s = $1 } /end: pg_ctl promote/ { if (s) printf "%.0f", ($1 - s) * 1000; exit }' \
        "$work/proxies/$name/failover.log")
      took=${took:-"-"}
      ;;
  esac
  if [[ $status == ok && $(awk -v p="$new_port" '$4 == "ok" && $5 == p' "$log" | wc -l) == 0 ]]; then
    status=no-write-on-new-primary # the first write went to another node than the one promoted
  fi

  local first_s detected_s promoted_s
  first_s=$(since_kill "$first")
  detected_s=$(since_kill "$detected")
  promoted_s=$(since_kill "$promoted")
  echo "$target,$((run + 1)),$status,$first_s,$detected_s,$promoted_s,$took,$failed_after,$doubt,$acked_before,$acked_total,$old_after,$lost,$unsync,$new_primary,$busy,$(date -d "@${kill_at%.*}" '+%H:%M:%S')" >>"$csv"
  printf '   %-13s run %d: %s; first write on the new primary %s s after the kill (detected %s s, promoted %s s), %s failed attempts, %s in doubt, %s of %s acknowledged writes lost, new primary %s%s\n' \
    "$target" "$((run + 1))" "$status" "$first_s" "$detected_s" "$promoted_s" "$failed_after" "$doubt" \
    "$lost" "$acked_total" "$new_primary" "$([[ $unsync == - ]] || echo ", $unsync acknowledged before its synchronous_standby_names was set")"
  if [[ $lost != - && $lost != 0 ]]; then
    echo "      lost ids (acknowledged at, s after the kill): $(head -n 10 "$rdir/lost" | while read -r id; do
      awk -v id="$id" -v k="$kill_at" '$1 == id { printf "%s (%.3f by port %s) ", id, $3 - k, $5 }' "$log"; done)"
  fi
  teardown_run "$rdir"
}

# ---------------------------------------------------------------------------------------------
# Runs

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench_init /tmp/pgw-failover-XXXXXX
started=$SECONDS
# Every run starts pgwarden anew: a private copy keeps one binary for the whole benchmark even
# if someone rebuilds the original meanwhile (and `sandbox down` working at the end).
binary_info="$pgwarden, built $(date -u -r "$pgwarden" '+%Y-%m-%d %H:%M:%S UTC'), $(cksum <"$pgwarden" | cut -d' ' -f1)"
cp "$pgwarden" "$work/pgwarden"
pgwarden=$work/pgwarden
csv=$work/runs/runs.csv
csv_header=target,run,status,first_write_s,detected_s,promoted_s,failover_ms,failed_attempts,in_doubt
csv_header+=,acked_before_kill,acked_total,acked_by_old_primary_after_kill,lost,acked_unsynchronous
csv_header+=,new_primary,build_jobs,kill_time
echo "$csv_header" >"$csv"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $load_before"
echo "== $("$pgwarden" --version 2>&1 | head -n 1) ($binary_info)"
echo "== $("$pg_bin/postgres" --version)$(
  [[ " ${selected_targets[*]} " == *" pgpool"* ]] && echo "; $("$pgpool_bin" --version 2>&1)")"
echo "== ${selected_targets[*]}: $runs runs each, interleaved; a primary and $standbys standbys per run;"
echo "   ${warm_up}s of writes, kill -9 of the primary's postmaster, wait up to ${wait_limit}s, ${after}s more writes"
for ((run = 0; run < runs; run++)); do
  n=${#selected_targets[@]}
  for ((i = 0; i < n; i++)); do
    run_one "${selected_targets[$(((i + run) % n))]}" "$run"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report

echo
echo "kill -9 of the primary's postmaster -> first INSERT acknowledged by the new primary through"
echo "the proxy (one connection per INSERT); $runs runs per target; medians of the successful runs"
echo "(failed attempts: median; lost and acknowledged writes: every run)."
echo "Load average before: $load_before; after: $load_after. $(nproc) cores. Total $((SECONDS - started)) s."
echo
printf '| %-13s | %7s | %14s | %11s | %12s | %12s | %15s | %-15s | %-24s |\n' target "runs ok" \
  "first write, s" "min-max, s" "detected, s" "promoted, s" "failed attempts" "lost per run" "acked per run"
echo "|---------------|--------:|---------------:|------------:|-------------:|-------------:|----------------:|-----------------|--------------------------|"
problems=0
for target in "${selected_targets[@]}"; do
  ok_lines=$(awk -F, -v t="$target" 'NR > 1 && $1 == t && $3 == "ok"' "$csv")
  ok=0
  [[ -n $ok_lines ]] && ok=$(wc -l <<<"$ok_lines")
  ((ok == runs)) || problems=1
  med() { if [[ -n $ok_lines ]]; then cut -d, -f"$1" <<<"$ok_lines" | grep -v '^-$' | median | awk 'NF { printf "%.2f", $1 }'; fi; }
  range="-"
  [[ -n $ok_lines ]] && range=$(cut -d, -f4 <<<"$ok_lines" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.2f-%.2f", a, b }')
  lost_runs=$(awk -F, -v t="$target" 'NR > 1 && $1 == t { printf "%s%s", (n++ ? "," : ""), $13 }' "$csv")
  acked_runs=$(awk -F, -v t="$target" 'NR > 1 && $1 == t { printf "%s%s", (n++ ? "," : ""), $11 }' "$csv")
  failed_med=""
  [[ -n $ok_lines ]] && failed_med=$(cut -d, -f8 <<<"$ok_lines" | median | awk 'NF { printf "%.0f", $1 }')
  printf '| %-13s | %3s/%-3s | %14s | %11s | %12s | %12s | %15s | %-15s | %-24s |\n' "$target" "$ok" "$runs" \
    "$(med 4)" "$range" "$(med 5)" "$(med 6)" "${failed_med:--}" "$lost_runs" "$acked_runs"
done
if [[ " ${selected_targets[*]} " == *" pgwarden-sync "* ]]; then
  echo
  echo "pgwarden-sync, writes the new primary acknowledged before pgwarden had set its"
  echo "synchronous_standby_names, per run: $(awk -F, 'NR > 1 && $1 == "pgwarden-sync" {
    printf "%s%s", (n++ ? "," : ""), $14 }' "$csv")"
fi
echo
echo "first write: from the kill to the first INSERT acknowledged by the new primary; detected: the"
echo "failover began (pgwarden: its 'failover starts' log line; pgpool-II: failover_command started);"
echo "promoted: the new primary logged 'selected new timeline ID'; failed attempts: INSERTs that"
echo "failed between the kill and the first write; lost: acknowledged ids missing on the new primary."
for target in "${selected_targets[@]}"; do
  if [[ -s $work/runs/$target.errors ]]; then
    echo "$target: what the writer's failed attempts printed after the kill (all runs, digits as N):"
    sort "$work/runs/$target.errors" | uniq -c | sort -rn | head -n 8
  fi
done
echo
echo "runs (CSV): $csv_header"
tail -n +2 "$csv"
((problems == 0)) || echo "failover: some runs failed (status column)" >&2
