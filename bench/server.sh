#!/usr/bin/env bash
# Yui's own server numbers on SQLite and PostgreSQL, one command:
#   start-up time (process start to /readyz answering 200), idle RSS, the resident form page
#   (server time over loopback, bytes of the page and of everything it loads), and submission
#   ingest at 16 and 64 connections (throughput, p50, p99, errors, peak RSS).
#
#   bench/server.sh                               # both backends, 20 s per load
#   BENCH_BACKENDS=sqlite BENCH_DURATION=10s bench/server.sh
#
# The submission is the same 15-answer form as in bench/compare-peers.sh (one-shot endpoint,
# a random idempotency key per request; success is the 303 to the receipt page). PostgreSQL:
# a fresh database yui_bench_server on BENCH_PG_URL's server (default
# postgres://postgres@127.0.0.1:5432/postgres). Load stays on loopback, bounded in time.
# Results: bench/results/server-<date>.jsonl, and a Markdown table on stdout.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
DURATION="${BENCH_DURATION:-20s}"
CONCURRENCY="${BENCH_CONCURRENCY:-16 64}"
PG_ADMIN_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$YUI_CACHE/target}"
YUI_BIN="${YUI_BIN:-$CARGO_TARGET_DIR/release/yui}"
RESULTS="$BENCH_DIR/results/server-$(date +%Y-%m-%d).jsonl"
APP=bench-event-application
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

ensure_oha
if [[ ! -x "$YUI_BIN" ]]; then
    log "building Yui (cargo build --release -p yui)"
    (cd "$REPO_DIR" && cargo build --release --locked --quiet -p yui) >&2
fi
mkdir -p "$BENCH_DIR/results"

record() { # JSON line on stdin → results file and stdout
    tee -a "$RESULTS"
}

bench_backend() {
    local backend="$1" work db_args=()
    work="$(mktemp -d "${TMPDIR:-/tmp}/yui-bench-server.XXXXXX")"
    if [[ "$backend" == postgres ]]; then
        local url="${PG_ADMIN_URL%/*}/yui_bench_server"
        psql -q "$PG_ADMIN_URL" -c 'DROP DATABASE IF EXISTS yui_bench_server' -c 'CREATE DATABASE yui_bench_server' >/dev/null
        db_args=(--database-url "$url")
        "$YUI_BIN" migrate "${db_args[@]}" >&2
    else
        db_args=(--data-dir "$work/data")
    fi
    "$YUI_BIN" admin create-tenant "${db_args[@]}" --slug oguni --code 434248 --name 小国町 >&2
    "$YUI_BIN" admin install-app "${db_args[@]}" --tenant oguni --file "$BENCH_DIR/$APP.yaml" --publish >&2

    local port base started ready startups=()
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    local files=()
    [[ "$backend" == postgres ]] && files=(--data-dir "$work/data")
    # Three starts: the first may read the binary from a cold disk cache; the median is reported.
    local round
    for round in 1 2 3; do
        started="$(date +%s%N)"
        "$YUI_BIN" serve --listen "127.0.0.1:$port" "${db_args[@]}" "${files[@]}" >"$work/server.log" 2>&1 &
        SERVER_PID=$!
        until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)" == 200 ]]; do
            kill -0 "$SERVER_PID" 2>/dev/null || die "yui serve exited; see $work/server.log"
            sleep 0.005
        done
        ready="$(date +%s%N)"
        startups+=($(((ready - started) / 1000000)))
        if ((round < 3)); then
            kill "$SERVER_PID"
            wait "$SERVER_PID" 2>/dev/null || true
        fi
    done
    sleep 5
    local idle_rss
    idle_rss="$(python3 "$BENCH_DIR/lib/run-load.py" rss --pid "$SERVER_PID")"
    local sorted
    sorted="$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 2p)"
    printf '{"backend":"%s","measure":"startup","startup_ms":%d,"startup_runs_ms":[%s],"idle_rss_mib":%s}\n' \
        "$backend" "$sorted" "$(IFS=,; echo "${startups[*]}")" "$idle_rss" | record

    # The form page: HTML bytes, and everything it loads (styles, scripts) once more.
    local page="$base/oguni/apps/$APP/form" html_bytes asset_bytes=0
    html_bytes="$(curl -s -o "$work/form.html" -w '%{size_download}' "$page")"
    for asset in $(sed 's/&#x2f;/\//g' "$work/form.html" | grep -oE '(href|src)="/static/[^"]+"' | sed -E 's/^(href|src)="//; s/"$//' | sort -u); do
        asset_bytes=$((asset_bytes + $(curl -s -o /dev/null -w '%{size_download}' "$base$asset")))
    done
    python3 "$BENCH_DIR/lib/run-load.py" load --url "$page" --method GET -c 1 -z 10s --pid "$SERVER_PID" \
        --oha "$OHA" --tag backend="$backend" --tag measure=form_page \
        --tag html_bytes="$html_bytes" --tag asset_bytes="$asset_bytes" | record

    local c
    for c in $CONCURRENCY; do
        python3 "$BENCH_DIR/lib/run-load.py" load --url "$base/oguni/apps/$APP/submit?k={key}" \
            --body-file "$BENCH_DIR/yui-submission.txt" --strip-newline \
            --content-type application/x-www-form-urlencoded --redirect-ok \
            -c "$c" -z "$DURATION" --pid "$SERVER_PID" --oha "$OHA" \
            --tag backend="$backend" --tag measure=ingest | record
    done
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    rm -rf "$work"
}

for backend in $BACKENDS; do
    log "measuring Yui on $backend"
    bench_backend "$backend"
done
log "results appended to $RESULTS"
