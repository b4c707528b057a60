#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test.
#  1. the default build (g++ -O2, warnings as errors): unit tests, and the many-clients test
#     whose memory bounds only mean something without a sanitizer;
#  2. the ASan + UBSan build: every unit and integration test (real PostgreSQL servers, real
#     clients), so that memory errors and undefined behaviour fail the run;
#  3. the libFuzzer targets (clang), each for a bounded time from its seed corpus.
# Usage: scripts/test.sh [ctest arguments...] — passed to the sanitized run, e.g.
#   scripts/test.sh -R integration.Routing
# PGW_TEST_STAGES selects stages (default "dev asan fuzz").
set -euo pipefail
cd "$(dirname "$0")/.."
stages=${PGW_TEST_STAGES:-dev asan fuzz}
bash scripts/setup.sh
stage() { [[ " $stages " == *" $1 "* ]]; }
elapsed() { echo "== $1 done after $((SECONDS / 60)) min $((SECONDS % 60)) s"; }
if stage dev; then
  bash scripts/build.sh dev
  ctest --preset dev -L unit
  ctest --preset dev -R '^integration\.ManyClients$'
  elapsed "default build and unit tests"
fi
if stage asan; then
  bash scripts/build.sh asan
  ctest --preset asan "$@"
  elapsed "sanitized build and every test"
fi
if stage fuzz; then
  bash scripts/build.sh fuzz
  ctest --preset fuzz
  elapsed "fuzzing"
fi
