#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and brings up the sandbox (a
# PostgreSQL primary, a streaming standby and pgwarden in front, on loopback), then prints how
# to connect. Run it again after `build/dev/bin/pgwarden sandbox down` to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh dev
build/dev/bin/pgwarden sandbox down
exec build/dev/bin/pgwarden sandbox up "$@"
