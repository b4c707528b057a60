# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with the sourcing script
# Helpers shared by the bench/ scripts (pgbench_compare.sh, pgpool_compare.sh, failover.sh):
# sourced, never run. Bash, coreutils, sed, awk and PostgreSQL's client programs only: no
# python3, no procps (process trees and CPU times come from /proc, free ports from
# /proc/net/tcp).
#
# The sourcing script sets `bench_name` (prefix of its messages), `pgwarden` (the binary),
# `pg_bin` and `logs_dir` ("" = keep nothing), then calls `bench_init`, which creates `work` (a
# temporary directory) and installs the traps. What it starts goes into the globals below, which
# `bench_cleanup` stops (by PID, never by name) and removes on exit, Ctrl-C included.

work=""                    # the temporary directory holding everything
sandbox_dir=""             # the pgwarden sandbox (the PostgreSQL nodes), under $work
setup_pid=""               # `pgwarden sandbox up` while it runs
pgbench_pid=""             # the pgbench run in progress
declare -A proxy_pid=()    # proxy name -> the PID to signal to stop it
declare -A proxy_signal=() # proxy name -> that signal (default INT: pgwarden stops at once)
declare -A proxy_port=()   # proxy name -> its TCP port on 127.0.0.1
other_pids=()              # stopped with TERM after the proxies (e.g. runuser parents)
cleanup_done=0
monitor_user=pgwarden_monitor # the role the test bed creates with pg_monitor (testbed::kMonitorUser)

die() {
  echo "$bench_name: $*" >&2
  exit 1
}

stop_pid() { # pid signal: signal it, wait up to 10 s, then SIGKILL
  local pid=$1 signal=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local status=$?
  ((cleanup_done)) && return
  cleanup_done=1
  trap '' INT TERM
  # A script's own processes first (e.g. failover.sh's writer), if it defines this function.
  if declare -F bench_cleanup_first >/dev/null; then bench_cleanup_first || true; fi
  # Background commands of a script start with SIGINT ignored: pgbench keeps it so, hence TERM.
  [[ -n $pgbench_pid ]] && stop_pid "$pgbench_pid" TERM
  local name pid
  for name in "${!proxy_pid[@]}"; do
    stop_pid "${proxy_pid[$name]}" "${proxy_signal[$name]:-INT}"
  done
  for pid in "${other_pids[@]}"; do
    stop_pid "$pid" TERM
  done
  # (Already reaped when `sandbox up` failed: wait fails then, and must not end the cleanup.)
  if [[ -n $setup_pid ]]; then wait "$setup_pid" 2>/dev/null || true; fi
  if [[ -n $sandbox_dir && -e $sandbox_dir ]]; then
    # The sandbox's own pgwarden (idle, info level): its log shows how it saw the nodes.
    if [[ -n $logs_dir && -d $work/proxies && -f $sandbox_dir/proxy/pgwarden.log ]]; then
      cp "$sandbox_dir/proxy/pgwarden.log" "$work/proxies/sandbox-pgwarden.log" || true
    fi
    "$pgwarden" sandbox down --dir "$sandbox_dir" >/dev/null 2>&1 ||
      echo "$bench_name: 'pgwarden sandbox down --dir $sandbox_dir' failed" >&2
  fi
  if [[ -n $work && -d $work ]]; then
    if [[ -n $logs_dir ]]; then
      # The pgbench outputs, the runs' CSV, the proxies' logs and configurations; not the
      # passwords files (the configurations hold the throw-away sandbox's monitor password).
      mkdir -p "$logs_dir"
      cp -r "$work/runs" "$logs_dir/" 2>/dev/null || true
      (cd "$work" && find proxies -name '*.log' -o -name '*.toml' -o -name '*.ini' -o -name '*.conf') |
        while read -r file; do
          mkdir -p "$logs_dir/$(dirname "$file")" && cp "$work/$file" "$logs_dir/$file"
        done
      echo "logs copied to $logs_dir" >&2
    fi
    rm -rf "$work"
  fi
  exit "$status"
}

bench_init() { # template of the temporary directory's name, e.g. /tmp/pgw-bench-XXXXXX
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  work=$(mktemp -d "$1")
  chmod 755 "$work" # the sandbox's files belong to the unprivileged user that runs PostgreSQL
  mkdir -p "$work/runs" "$work/proxies"
  : >"$work/ports"
}

# ---------------------------------------------------------------------------------------------
# Ports

port_in_use() { # port -> status 0 when a TCP socket (any state, IPv4 or IPv6) has it locally
  local hex files=()
  printf -v hex ':%04X' "$1"
  [[ -r /proc/net/tcp ]] && files+=(/proc/net/tcp)
  [[ -r /proc/net/tcp6 ]] && files+=(/proc/net/tcp6)
  ((${#files[@]} > 0)) || return 1
  awk -v p="$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { found = 1; exit }
    END { exit !found }' "${files[@]}"
}

# A free loopback TCP port, taken outside the kernel's ephemeral range so that no outgoing
# connection grabs it before the server binds it; never the same one twice in a run.
free_port() {
  local low high lo hi port i
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  if ((low > 12000)); then
    lo=10000 hi=$((low - 1))
  else
    lo=$((high + 1)) hi=65535
  fi
  ((hi - lo > 100)) || die "no room for ports outside the ephemeral range $low-$high"
  for ((i = 0; i < 500; i++)); do
    port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    port_in_use "$port" && continue
    grep -qx "$port" "$work/ports" && continue
    echo "$port" >>"$work/ports"
    echo "$port"
    return 0
  done
  die "no free port in $lo-$hi"
}

wait_for_port() { # port pid name log: until 127.0.0.1:port accepts connections (10 s)
  local i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited at start; its log: $(tail -n 20 "$4" 2>/dev/null)"
    sleep 0.05
  done
  die "$3 does not accept connections on port $1"
}

# Starts a proxy in the background (stdout and stderr to $work/proxies/NAME.log), records its
# PID and port, and waits until it accepts connections.
launch_proxy() { # name port command...
  local name=$1 port=$2
  shift 2
  "$@" >"$work/proxies/$name.log" 2>&1 &
  proxy_pid[$name]=$!
  proxy_port[$name]=$port
  wait_for_port "$port" "${proxy_pid[$name]}" "$name" "$work/proxies/$name.log"
}

# ---------------------------------------------------------------------------------------------
# Processes and CPU time, from /proc

# utime + stime + cutime + cstime (fields 14-17 of /proc/PID/stat: all threads, plus the
# children it reaped), in clock ticks, summed over the given PIDs; a PID gone counts 0.
cpu_ticks() {
  local total=0 pid line
  local -a fields
  for pid in "$@"; do
    { read -r line <"/proc/$pid/stat"; } 2>/dev/null || continue
    read -r -a fields <<<"${line##*) }"
    # After "pid (comm) ", field 3 (state) is index 0: utime (14) is 11 ... cstime (17) is 14.
    total=$((total + fields[11] + fields[12] + fields[13] + fields[14]))
  done
  echo "$total"
}

# The whole machine, all CPUs, in clock ticks since boot: "busy steal", busy = user + nice +
# system + irq + softirq (a process's stime includes the interrupts served in its context).
machine_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $9; exit }' /proc/stat
}

process_tree() { # pid -> that PID and all its descendants, one a line
  local -A children=()
  local stat line pid ppid
  for stat in /proc/[0-9]*/stat; do
    { read -r line <"$stat"; } 2>/dev/null || continue
    read -r _ ppid _ <<<"${line##*) }"
    pid=${stat#/proc/}
    children[$ppid]+=" ${pid%/stat}"
  done
  local -a queue=("$1")
  while ((${#queue[@]} > 0)); do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    echo "$pid"
    # shellcheck disable=SC2206 # the list is PIDs separated by spaces
    queue+=(${children[$pid]:-})
  done
}

# ---------------------------------------------------------------------------------------------
# The sandbox's PostgreSQL nodes

sandbox_create() { # standbys: `pgwarden sandbox up` in $work/sandbox
  sandbox_dir=$work/sandbox
  # In the background, so that it ignores Ctrl-C: interrupted, it would leave its initdb
  # template behind; bench_cleanup lets it finish and then takes the sandbox down.
  "$pgwarden" sandbox up --standbys "$1" --dir "$sandbox_dir" --port "$(free_port)" \
    >"$work/sandbox.out" 2>&1 &
  setup_pid=$!
  wait "$setup_pid" || die "sandbox up failed: $(cat "$work/sandbox.out")"
  setup_pid=""
  as_os_user=()
  if ((EUID == 0)); then as_os_user=(runuser -u "$(manifest_value os_user)" --); fi
}

manifest_value() { # key -> its value in the sandbox's cluster manifest
  sed -n "s/^$1 = //p" "$sandbox_dir/cluster/cluster.manifest"
}

node_port() { # node name (node0 = the primary) -> its port
  sed -n "s/^node = $1 //p" "$sandbox_dir/cluster/cluster.manifest"
}

# psql as the superuser over a node's unix socket (trusted there).
node_sql() { # node psql-arguments...
  local node=$1
  shift
  "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sandbox_dir/cluster/$node/run" \
    -p "$(node_port "$node")" -U postgres "$@"
}

restart_node() { # node
  local dir=$sandbox_dir/cluster/$1
  "${as_os_user[@]}" "$pg_bin/pg_ctl" restart -D "$dir/data" -m fast -w -t 60 \
    -l "$dir/postgres.log" >/dev/null || die "restarting PostgreSQL ($1) failed"
}

# ---------------------------------------------------------------------------------------------
# pgwarden

# Writes DIR/passwords (the app user's SCRAM secret, from pg_authid: pass-through to the
# server) and DIR/pg_hba.conf (scram-sha-256 on loopback), and prints the first part of a
# pgwarden.toml: session pooling, quiet logs, the monitor role, no admin API. The caller adds
# [routing], [health_check], [failover] and the [[backends]].
# Optional: the log level (default warning) and more lines for [monitor] (e.g. its period).
pgwarden_config_head() { # dir port workers pool_size [level] [monitor lines]
  local dir=$1 port=$2 workers=$3 pool_size=$4 level=${5:-warning} monitor_more=${6:-}
  mkdir -p "$dir"
  printf '"%s" "%s"\n' "$app_user" "$secret" >"$dir/passwords"
  chmod 600 "$dir/passwords"
  printf 'host all all 127.0.0.1/32 scram-sha-256\n' >"$dir/pg_hba.conf"
  cat <<EOF
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
pool_size = $pool_size
reset_query = "DISCARD ALL"

[limits]
max_client_connections = 1000

[log]
level = "$level"
log_sessions = false

[monitor]
user = "$monitor_user"
password = "$(manifest_value monitor_password)"
$monitor_more

[admin]
listen = ""
EOF
}

# ---------------------------------------------------------------------------------------------
# pgpool-II

# Starts pgpool-II in the foreground (-n) with DIR/pgpool.conf, DIR/pcp.conf and
# DIR/pool_hba.conf (its pid_file_name must be DIR/pgpool.pid), as the PostgreSQL user when
# root, and waits until it accepts connections. As root, runuser starts pgpool as the PostgreSQL
# user and stays its parent: until pgpool's own PID is known, cleanup signals runuser with TERM,
# which it passes on; then proxy_pid is pgpool's main process (SIGINT: fast shutdown, its
# children stop with it) and runuser goes into other_pids.
launch_pgpool() { # name port dir
  local name=$1 port=$2 dir=$3 main ppid line
  proxy_signal[$name]=TERM
  launch_proxy "$name" "$port" "${as_os_user[@]}" "$pgpool_bin" -n -f "$dir/pgpool.conf" \
    -F "$dir/pcp.conf" -a "$dir/pool_hba.conf"
  main=""
  if [[ -r $dir/pgpool.pid ]]; then read -r main <"$dir/pgpool.pid" || true; fi # no final newline
  [[ $main =~ ^[0-9]+$ ]] || die "$name: no PID in $dir/pgpool.pid"
  { read -r line <"/proc/$main/stat"; } 2>/dev/null || die "$name: process $main is gone"
  read -r _ ppid _ <<<"${line##*) }"
  if [[ $main != "${proxy_pid[$name]}" ]]; then
    [[ $ppid == "${proxy_pid[$name]}" ]] || die "$name: pid file names $main, not our pgpool"
    other_pids+=("${proxy_pid[$name]}")
    proxy_pid[$name]=$main
  fi
  proxy_signal[$name]=INT # pgpool-II's fast shutdown
}

# ---------------------------------------------------------------------------------------------
# pgbench and figures

pgbench_numbers() { # pgbench output file -> "tps transactions failed" (0 for what is missing)
  local tps txns failed
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1" | tail -n 1)
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1")
  echo "${tps:-0} ${txns:-0} ${failed:-0}"
}

median() { # numbers on stdin, one a line -> their median (mean of the two middle ones); "" if none
  sort -g | awk 'NF { v[++n] = $1 } END {
    if (n == 0) exit
    if (n % 2) printf "%.6f\n", v[(n + 1) / 2]; else printf "%.6f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

ratio() { # a b -> a/b with 2 decimals, "-" when either is missing
  if [[ -z $1 || -z $2 ]]; then
    echo "-"
  else
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
  fi
}
