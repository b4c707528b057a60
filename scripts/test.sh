#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test (unit and
# integration tests against real PostgreSQL servers, then the fuzz targets for a bounded time).
# Usage: scripts/test.sh [ctest arguments...], e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh dev
ctest --preset dev --output-on-failure "$@"
