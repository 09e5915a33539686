#!/usr/bin/env bash
# Yui against Directus and NocoDB: the same 15-field submission POSTed to each, on SQLite, on
# this machine. One command, one run:
#
#   bench/compare-peers.sh
#
# For each system in turn: start it on a free loopback port with a fresh data folder, create
# its submission table and credentials through its own API, send one probe, read its idle
# RSS, warm up, run the loads (16 and 64 connections by default), check the stored rows,
# stop it. Writes bench/results/peers-<date>.json and .md (a table to paste into
# BENCHMARKS.md) and prints the table.
#
# Environment (defaults in brackets):
#   BENCH_SYSTEMS      systems to run, in order [yui directus nocodb]
#   BENCH_DURATION     length of each measured load [20s]
#   BENCH_WARMUP       warm-up load before measuring, at the lowest concurrency [5s]
#   BENCH_CONCURRENCY  connection counts, one load each [16 64]
#   BENCH_PIN          1: server on CPU 1 and oha on CPU 0 (taskset); 0: no pinning [1]
#   BENCH_RESULTS      output folder [bench/results]
#   BENCH_REPEAT       rounds; each round restarts every system on fresh data, and the
#                      report shows the median round with the range [1]
#   BENCH_NICE         niceness of the servers and oha, so that other work on a shared machine
#                      disturbs them less; applied to every system alike [-10 as root, else 0]
#   BENCH_KEEP         1: keep the temporary data folders and logs [0]
#   YUI_BIN, YUI_SUBMIT_URL_PATH, ...  see bench/yui-target.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BENCH_SYSTEMS="${BENCH_SYSTEMS:-yui directus nocodb}"
BENCH_DURATION="${BENCH_DURATION:-20s}"
BENCH_WARMUP="${BENCH_WARMUP:-5s}"
BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-16 64}"
BENCH_PIN="${BENCH_PIN:-1}"
BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results}"
BENCH_KEEP="${BENCH_KEEP:-0}"
BENCH_REPEAT="${BENCH_REPEAT:-1}"
if [[ "$(id -u)" == 0 ]]; then BENCH_NICE="${BENCH_NICE:--10}"; else BENCH_NICE="${BENCH_NICE:-0}"; fi
ROUND=1

SERVER_CPUS="" OHA_CPUS=""
if [[ "$BENCH_PIN" == 1 ]]; then
    (($(nproc) >= 2)) || die "BENCH_PIN=1 needs two CPUs; set BENCH_PIN=0"
    SERVER_CPUS=1 OHA_CPUS=0
fi

script_for() {
    case "$1" in
    yui) echo "$BENCH_DIR/yui-target.sh" ;;
    directus | nocodb) echo "$BENCH_DIR/peers/$1.sh" ;;
    *) die "unknown system $1 (known: yui directus nocodb)" ;;
    esac
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/yui-bench.XXXXXX")"
LINES="$WORK/results.jsonl"
SERVER_PID=""

# Every process below the server, so that a server that forked is stopped whole.
tree_pids() {
    local pid="$1" child
    echo "$pid"
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
        tree_pids "$child"
    done
}

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    local pids
    pids="$(tree_pids "$SERVER_PID" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    stop_server
    if [[ "$BENCH_KEEP" == 1 ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Appends a JSON line built by python from key=value pairs (values that parse as JSON stay
# JSON, others become strings).
emit() {
    python3 - "$@" >>"$LINES" <<'EOF'
import json, sys
line = {}
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    try:
        line[k] = json.loads(v)
    except ValueError:
        line[k] = v
print(json.dumps(line, ensure_ascii=False))
EOF
}

machine_facts() {
    local cpu mem_kib sqlite_cli
    cpu="$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
    mem_kib="$(awk '/^MemTotal/{print $2}' /proc/meminfo)"
    sqlite_cli="$(sqlite3 --version 2>/dev/null | awk '{print $1}' || echo none)"
    local pinning
    pinning="No CPU pinning: server and load generator share the $(nproc) cores."
    if [[ "$BENCH_PIN" == 1 ]]; then
        pinning="Server pinned to CPU 1 and oha to CPU 0 with taskset, so each system gets one core."
    fi
    emit type=machine \
        "repeat=$BENCH_REPEAT" \
        "nice=$BENCH_NICE" \
        "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "nproc=$(nproc)" \
        "mem_total_gib=$(python3 -c "print(round($mem_kib / 1048576, 1))")" \
        "cpu_model=$(json_str "$cpu")" \
        "kernel=$(json_str "$(uname -r)")" \
        "sqlite_cli=$(json_str "$sqlite_cli")" \
        "peer_node=$(json_str "$(PATH="${PEER_NODE_BIN:-}:$PATH" node --version 2>/dev/null || echo none)")" \
        "oha=$(json_str "$("$OHA" --version | awk '{print $2}')")" \
        "pinning=$(json_str "$pinning")" \
        "duration=$(json_str "$BENCH_DURATION")" \
        "warmup=$(json_str "$BENCH_WARMUP")" \
        "concurrency=[$(echo "$BENCH_CONCURRENCY" | tr ' ' ',')]" \
        "yui_commit=$(json_str "$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)")"
}

# One load against the current server; prints run-load.py's JSON line.
load() {
    local system="$1" phase="$2" conns="$3" duration="$4"
    local args=(load --url "$TARGET_URL" --method "$TARGET_METHOD" -c "$conns" -z "$duration"
        --pid "$SERVER_PID" --oha "$OHA" --tag type=load --tag "system=$system" --tag "phase=$phase" --tag "round=$ROUND")
    [[ -n "$TARGET_BODY_FILE" ]] && args+=(--body-file "$TARGET_BODY_FILE" --strip-newline)
    [[ -n "$TARGET_CONTENT_TYPE" ]] && args+=(--content-type "$TARGET_CONTENT_TYPE")
    [[ -n "$TARGET_HEADER" ]] && args+=(--header "$TARGET_HEADER")
    [[ -n "${TARGET_REDIRECT_OK:-}" ]] && args+=(--redirect-ok)
    [[ -n "$OHA_CPUS" ]] && args+=(--oha-cpus "$OHA_CPUS")
    python3 "$BENCH_DIR/lib/run-load.py" "${args[@]}"
}

field_of() {
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# One request like those of the load, with a fresh key; prints the HTTP status.
probe() {
    local url="${TARGET_URL//\{key\}/$(python3 -c 'import secrets; print(secrets.token_hex(12))')}"
    local args=(-s -o "$1" -w '%{http_code}' --max-time 30 -X "$TARGET_METHOD" "$url")
    [[ -n "$TARGET_CONTENT_TYPE" ]] && args+=(-H "Content-Type: $TARGET_CONTENT_TYPE")
    [[ -n "$TARGET_HEADER" ]] && args+=(-H "$TARGET_HEADER")
    [[ -n "$TARGET_BODY_FILE" ]] && args+=(--data-binary "@$TARGET_BODY_FILE")
    local code
    code="$(curl "${args[@]}")" || true
    echo "${code:-000}"
}

# Rows in the target table, when the system has a count URL.
count_rows() {
    [[ -n "${TARGET_COUNT_URL:-}" ]] || return 0
    local args=(-s -g --max-time 30 "$TARGET_COUNT_URL")
    [[ -n "$TARGET_HEADER" ]] && args+=(-H "$TARGET_HEADER")
    curl "${args[@]}" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["count"] if "count" in d else d["data"][0]["count"]["id"])' 2>/dev/null || true
}

unavailable() {
    local system="$1" status="$2" reason="$3"
    log "$system: $status: $reason"
    emit type=system "system=$system" "round=$ROUND" "status=$status" "reason=$(json_str "$reason")"
}

run_system() {
    local system="$1" script dir port
    script="$(script_for "$system")"
    dir="$WORK/$system-$ROUND"
    mkdir -p "$dir"
    port="$(free_port)"
    local pin=()
    [[ -n "$SERVER_CPUS" ]] && pin=(taskset -c "$SERVER_CPUS")

    local loadavg
    loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
    log "$system: starting on 127.0.0.1:$port (load average $loadavg)"
    local started=$SECONDS
    "${pin[@]}" "$script" serve "$dir" "$port" >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    if ! BENCH_SERVER_PID="$SERVER_PID" "$script" prepare "$dir" "$port" >"$dir/prepare.log" 2>&1; then
        if [[ "$system" == yui ]]; then
            local tail_log
            tail_log="$(tail -c 300 "$dir/server.log" | tr '\n' ' ')"
            unavailable "$system" "not yet available" "did not start or become ready${tail_log:+: $tail_log}"
        else
            unavailable "$system" "failed" "set-up failed: $(tail -c 300 "$dir/prepare.log" | tr '\n' ' ')"
        fi
        stop_server
        return 0
    fi
    local ready_s=$((SECONDS - started))
    TARGET_REDIRECT_OK=""
    # shellcheck disable=SC1091
    source "$dir/target.env"

    local code
    code="$(probe "$dir/probe.body")"
    if [[ "$code" == 404 && "$system" == yui ]]; then
        unavailable "$system" "not yet available" "the submission endpoint answered 404 at ${TARGET_URL#http://127.0.0.1:"$port"}"
        stop_server
        return 0
    fi
    if ! [[ "$code" =~ ^2 || ("$code" =~ ^3 && -n "$TARGET_REDIRECT_OK") ]]; then
        unavailable "$system" "failed" "the probe submission answered HTTP $code: $(head -c 200 "$dir/probe.body" | tr '\n' ' ')"
        stop_server
        return 0
    fi

    sleep 2
    local idle_rss
    idle_rss="$(python3 "$BENCH_DIR/lib/run-load.py" rss --pid "$SERVER_PID")"
    log "$system: ready in ${ready_s}s, idle RSS ${idle_rss} MiB; warming up for $BENCH_WARMUP"
    local acknowledged=1 in_flight=0 line conns first
    first="${BENCH_CONCURRENCY%% *}"
    line="$(load "$system" warmup "$first" "$BENCH_WARMUP")" || die "$system: warm-up load failed"
    echo "$line" >>"$LINES"
    acknowledged=$((acknowledged + $(field_of "$line" ok)))
    in_flight=$((in_flight + $(field_of "$line" deadline_aborted)))
    for conns in $BENCH_CONCURRENCY; do
        log "$system: $conns connections for $BENCH_DURATION"
        line="$(load "$system" measure "$conns" "$BENCH_DURATION")" || die "$system: load failed"
        echo "$line" >>"$LINES"
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("  %(ok_per_s)s/s  p50 %(p50_ms)s ms  p99 %(p99_ms)s ms  errors %(errors)s  non-2xx %(non_2xx)s  peak RSS %(peak_rss_mib)s MiB  other CPU %(other_cpu_s)s s" % d)' "$line" >&2
        acknowledged=$((acknowledged + $(field_of "$line" ok)))
        in_flight=$((in_flight + $(field_of "$line" deadline_aborted)))
    done
    local rows
    rows="$(count_rows)"
    local facts
    facts="$("$script" facts "$dir" 2>/dev/null || echo '{}')"
    emit type=system "system=$system" "round=$ROUND" status=ok "ready_s=$ready_s" "idle_rss_mib=$idle_rss" \
        "rows_stored=${rows:-null}" "rows_acknowledged=$acknowledged" "rows_in_flight_at_deadline=$in_flight" \
        "loadavg_before=$(json_str "$loadavg")" "facts=$facts"
    stop_server
    log "$system: stopped"
}

main() {
    local begun=$SECONDS
    ensure_oha
    local installable=()
    for system in $BENCH_SYSTEMS; do
        case "$system" in directus | nocodb) ensure_peer_node ;; esac
        log "$system: install (cached after the first run)"
        if "$(script_for "$system")" install; then
            installable+=("$system")
        elif [[ "$system" == yui ]]; then
            unavailable yui "not yet available" "the release build failed"
        else
            unavailable "$system" "failed" "install failed"
        fi
    done
    machine_facts
    if [[ "$BENCH_NICE" != 0 ]]; then
        # Inherited by every server and oha started from here on.
        renice -n "$BENCH_NICE" -p $$ >/dev/null || die "renice $BENCH_NICE failed; set BENCH_NICE=0"
    fi
    local measured=$SECONDS
    for ((ROUND = 1; ROUND <= BENCH_REPEAT; ROUND++)); do
        ((BENCH_REPEAT == 1)) || log "round $ROUND of $BENCH_REPEAT"
        for system in "${installable[@]}"; do
            # A system that was not available in an earlier round is not tried again.
            if grep -q "\"system\": \"$system\".*\"status\": \"\(not yet available\|failed\)\"" "$LINES" 2>/dev/null; then
                continue
            fi
            run_system "$system"
        done
    done
    mkdir -p "$BENCH_RESULTS"
    local out
    out="$BENCH_RESULTS/peers-$(date +%Y-%m-%d)"
    # A second run on the same day keeps the first one's files.
    [[ -e "$out.json" ]] && out="$out-$(date +%H%M)"
    python3 "$BENCH_DIR/lib/report.py" "$LINES" "$out.json" "$out.md"
    cat "$out.md"
    log "wrote $out.json and $out.md; comparison took $((SECONDS - measured)) s (with installs $((SECONDS - begun)) s)"
}

main "$@"
