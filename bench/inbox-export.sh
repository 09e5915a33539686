#!/usr/bin/env bash
# The inbox and exports with 1,000,000 submissions in one town, on SQLite and PostgreSQL.
#
#   bench/inbox-export.sh                                  # both backends, 1,000,000 submissions
#   BENCH_BACKENDS=sqlite BENCH_SUBMISSIONS=100000 bench/inbox-export.sh
#
# For each backend:
#   1. `yui-bench seed` fills a database once (kept in $YUI_CACHE/bench/inbox-export and reused;
#      BENCH_RESEED=1 seeds again). PostgreSQL uses the database yui_bench_<N> on the server of
#      BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
#   2. `yui-bench inbox`: the inbox's first page and a filtered page (status + choice + date
#      range) through the use case, BENCH_REQUESTS times each: p50/p99.
#   3. `yui-bench export`: the CSV export of every row through the use case into /dev/null (no
#      HTTP), and the page reads alone, with the CPU time each took.
#   4. `yui serve` on a free loopback port; as a signed-in reviewer: the same two inbox pages
#      over HTTP, then the CSV and XLSX exports of all rows, timed, with the server's RSS
#      sampled every 20 ms.
# Steps 2-4 run BENCH_RUNS times (a fresh server each time); one warm-up export runs first so
# that every run reads the database from the operating system's cache, as a busy server does.
# Results: bench/results/inbox-export-<date>-<time>.jsonl (one JSON line per measurement,
# with its run number), then a table of medians (bench/lib/medians.py) on standard output.
#
# Settings: BENCH_SUBMISSIONS (1000000), BENCH_BACKENDS ("sqlite postgres"), BENCH_REQUESTS
# (200), BENCH_RUNS (3), BENCH_PG_URL, BENCH_RESEED, BENCH_FORMATS ("csv xlsx").
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

N="${BENCH_SUBMISSIONS:-1000000}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
REQUESTS="${BENCH_REQUESTS:-200}"
RUNS="${BENCH_RUNS:-3}"
FORMATS="${BENCH_FORMATS:-csv xlsx}"
PG_ADMIN_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DATA_ROOT="$YUI_CACHE/bench/inbox-export"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$YUI_CACHE/target}"
BIN="$CARGO_TARGET_DIR/release"
RESULTS="$BENCH_DIR/results/inbox-export-$(date +%Y-%m-%d-%H%M%S).jsonl"
PASSWORD="bench password 2026"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT INT TERM

pg_url() { # the benchmark database's URL on the server of BENCH_PG_URL
    python3 - "$PG_ADMIN_URL" "yui_bench_$N" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))
EOF
}

db_args() { # the options naming this backend's database
    case "$1" in
    sqlite) echo "--data-dir $DATA_ROOT/sqlite-$N" ;;
    postgres) echo "--database-url $(pg_url)" ;;
    esac
}

seed() {
    local backend="$1"
    case "$backend" in
    sqlite)
        local dir="$DATA_ROOT/sqlite-$N"
        if [[ -f "$dir/.seeded" && -z "${BENCH_RESEED:-}" ]]; then return 0; fi
        rm -rf "$dir" && mkdir -p "$dir"
        ;;
    postgres)
        local name="yui_bench_$N"
        if [[ -f "$DATA_ROOT/postgres-$N.seeded" && -z "${BENCH_RESEED:-}" ]]; then return 0; fi
        psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >&2
        ;;
    esac
    log "seeding $N submissions on $backend"
    # shellcheck disable=SC2046 # db_args is word-split on purpose
    "$BIN/yui-bench" seed --submissions "$N" $(db_args "$backend") >&2
    case "$backend" in
    sqlite) touch "$DATA_ROOT/sqlite-$N/.seeded" ;;
    postgres) touch "$DATA_ROOT/postgres-$N.seeded" ;;
    esac
}

tag() { # adds backend, submissions and the run number to each JSON line read from stdin
    python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        d.update(backend=sys.argv[1], submissions=int(sys.argv[2]), run=int(sys.argv[3]))
        print(json.dumps(d, ensure_ascii=False))' "$1" "$N" "$RUN" | tee -a "$RESULTS" >&2
}

measure() {
    local backend="$1"
    log "$backend run $RUN/$RUNS: inbox through the use case ($REQUESTS requests per page)"
    # shellcheck disable=SC2046
    "$BIN/yui-bench" inbox --requests "$REQUESTS" $(db_args "$backend") | tag "$backend"
    log "$backend run $RUN/$RUNS: CSV export through the use case (no HTTP)"
    # shellcheck disable=SC2046
    "$BIN/yui-bench" export --format csv $(db_args "$backend") | tag "$backend"

    local port base
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    log "$backend: starting yui serve on $base"
    # shellcheck disable=SC2046
    "$BIN/yui" serve --listen "127.0.0.1:$port" $(db_args "$backend") >"$DATA_ROOT/serve-$backend.log" 2>&1 &
    SERVER_PID=$!
    BENCH_SERVER_PID=$SERVER_PID wait_http "$base/readyz" 120 "^200$" || die "yui serve did not become ready"
    local who=(--base "$base" --town bench --login reviewer --password "$PASSWORD")
    local filtered="/bench/staff/inbox?app=play-room-booking&status=received&status=reviewing&f.slot=am&from=2026-01-01&to=2026-03-31"
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' "$base/bench/staff/inbox")"
    if [[ "$code" != 404 ]]; then
        log "$backend: inbox pages over HTTP"
        python3 "$BENCH_DIR/lib/measure-http.py" pages "${who[@]}" --requests "$REQUESTS" \
            --label http-first --path "/bench/staff/inbox?app=play-room-booking" | tag "$backend"
        python3 "$BENCH_DIR/lib/measure-http.py" pages "${who[@]}" --requests "$REQUESTS" \
            --label http-filtered --path "$filtered" | tag "$backend"
    fi
    for format in $FORMATS; do
        log "$backend: export of all $N rows as $format"
        python3 "$BENCH_DIR/lib/measure-http.py" download "${who[@]}" --pid "$SERVER_PID" \
            --rows "$N" --label "export-$format" \
            --path "/bench/staff/inbox/export?app=play-room-booking&format=$format" | tag "$backend"
    done
    kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

mkdir -p "$DATA_ROOT" "$BENCH_DIR/results"
log "building yui and yui-bench (release)"
(cd "$REPO_DIR" && cargo build --release --quiet -p yui -p yui-bench) >&2 || die "build failed"
for backend in $BACKENDS; do
    seed "$backend"
    log "$backend: warm-up read of every row"
    RUN=0
    # shellcheck disable=SC2046
    "$BIN/yui-bench" export --format csv $(db_args "$backend") >/dev/null
    for RUN in $(seq "$RUNS"); do
        measure "$backend"
    done
done
log "results in $RESULTS"
python3 "$BENCH_DIR/lib/medians.py" "$RESULTS"
