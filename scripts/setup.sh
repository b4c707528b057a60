#!/usr/bin/env bash
# Installs every Debian 12 package pgwarden needs to build, test, run the sandbox and the
# benchmarks. Idempotent: packages already present are not touched, and apt is not even
# contacted when nothing is missing. Must run as root (or with sudo available).
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache clang clang-format clang-tidy libclang-rt-14-dev pkg-config
  # libraries
  libboost-dev libssl-dev libpg-query-dev libtomlplusplus-dev nlohmann-json3-dev
  libspdlog-dev libcli11-dev libprotobuf-c-dev
  # tests
  libgtest-dev libgmock-dev libbenchmark-dev libpq-dev postgresql-15 postgresql-client-15
  procps iproute2 iputils-arping nftables etcd-server etcd-client openssl
  # comparisons in bench/
  pgbouncer pgpool2
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's server packages try to start their default services on install; pgwarden's tests
# and sandbox never use those, so keep them from starting (and from taking ports) where we can.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
  created_policy=1
fi
remove_policy() { if [[ $created_policy == 1 ]]; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }
trap remove_policy EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
