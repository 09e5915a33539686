#!/usr/bin/env bash
# The long crash test: sustained submissions while the server is killed with SIGKILL at random
# moments and restarted, 25 times on SQLite and 25 times on PostgreSQL (the test suite runs a
# short version with 5). Afterwards every submission that received a receipt must be present
# and intact, receipts unique, the audit chain intact and the SQLite file sound.
#
#   bench/crash-test.sh                 # 25 kills per backend
#   YUI_CRASH_KILLS=50 bench/crash-test.sh
#
# PostgreSQL: $YUI_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
# Prints each run's seed and counts; a failure names the submission that went missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/yui/target}"
export YUI_TEST_POSTGRES_URL="${YUI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export YUI_CRASH_KILLS="${YUI_CRASH_KILLS:-25}"
scripts/ensure-postgres
exec cargo test -p yui --locked --test crash -- --nocapture --test-threads 1
