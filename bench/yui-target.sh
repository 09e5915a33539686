#!/usr/bin/env bash
# Yui as the system under test in bench/compare-peers.sh (same commands as bench/peers/*.sh).
#
#   yui-target.sh install               build the release binary (cargo build --release -p yui)
#                                       unless YUI_BIN names one
#   yui-target.sh serve WORKDIR PORT    create the town 小国町 with the benchmark app
#                                       (bench/bench-event-application.yaml) in WORKDIR/data,
#                                       then become `yui serve` on 127.0.0.1:PORT (same pid)
#   yui-target.sh prepare WORKDIR PORT  wait until Yui is ready; write WORKDIR/target.env
#   yui-target.sh facts WORKDIR         print the settings that matter for the comparison (JSON)
#
# Residents submit to the one-shot endpoint POST /{town}/apps/{app}/submit, made idempotent by
# a random key (?k=); success is a 303 to the receipt page. Settings, without editing this file:
#   YUI_SUBMIT_URL_PATH      path of the submission endpoint; {key} becomes a fresh random
#                            idempotency key per request
#   YUI_SUBMIT_BODY_FILE     form body (default bench/yui-submission.txt: the same 15 values
#                            as bench/peers/submission.json, in Yui's form field names)
#   YUI_SUBMIT_CONTENT_TYPE  default application/x-www-form-urlencoded
#   YUI_SUBMIT_HEADER        one extra request header, if needed
# If the endpoint answers 404, compare-peers.sh reports Yui as "not yet available" and still
# measures the peers.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$YUI_CACHE/target}"
YUI_BIN_GIVEN="${YUI_BIN:+yes}"
YUI_BIN="${YUI_BIN:-$CARGO_TARGET_DIR/release/yui}"
default_path='/oguni/apps/bench-event-application/submit?k={key}'
YUI_SUBMIT_URL_PATH="${YUI_SUBMIT_URL_PATH:-$default_path}"
YUI_SUBMIT_BODY_FILE="${YUI_SUBMIT_BODY_FILE:-$BENCH_DIR/yui-submission.txt}"
YUI_SUBMIT_CONTENT_TYPE="${YUI_SUBMIT_CONTENT_TYPE:-application/x-www-form-urlencoded}"
YUI_SUBMIT_HEADER="${YUI_SUBMIT_HEADER:-}"

cmd_install() {
    if [[ -n "$YUI_BIN_GIVEN" ]]; then
        [[ -x "$YUI_BIN" ]] || die "YUI_BIN=$YUI_BIN is not an executable"
        return 0
    fi
    log "building Yui (cargo build --release -p yui, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    (cd "$REPO_DIR" && cargo build --release --quiet -p yui) >&2 || die "cargo build --release -p yui failed"
}

cmd_serve() {
    local workdir="$1" port="$2" data="$1/data"
    mkdir -p "$data"
    cd "$workdir"
    if [[ ! -e "$data/yui.sqlite3" ]]; then
        "$YUI_BIN" admin create-tenant --data-dir "$data" --slug oguni --code 434248 --name 小国町 >&2
        "$YUI_BIN" admin install-app --data-dir "$data" --tenant oguni \
            --file "$BENCH_DIR/bench-event-application.yaml" --publish >&2
    fi
    exec "$YUI_BIN" serve --listen "127.0.0.1:$port" --data-dir "$data"
}

cmd_prepare() {
    local workdir="$1" port="$2"
    local base="http://127.0.0.1:$port"
    wait_http "$base/readyz" 120 "^200$" || die "yui did not become ready on $base"
    cat >"$workdir/target.env" <<EOF
TARGET_URL='$base$YUI_SUBMIT_URL_PATH'
TARGET_METHOD='POST'
TARGET_CONTENT_TYPE='$YUI_SUBMIT_CONTENT_TYPE'
TARGET_BODY_FILE='$YUI_SUBMIT_BODY_FILE'
TARGET_HEADER='$YUI_SUBMIT_HEADER'
TARGET_COUNT_URL=''
TARGET_REDIRECT_OK='1'
EOF
}

cmd_facts() {
    local workdir="$1"
    local version journal="unknown" db
    version="$("$YUI_BIN" --version 2>/dev/null | awk '{print $2}' || echo unknown)"
    db="$(find "$workdir/data" -maxdepth 2 -type f \( -name '*.db' -o -name '*.sqlite' -o -name '*.sqlite3' \) 2>/dev/null | head -1)"
    [[ -n "$db" ]] && journal="$(sqlite3 "$db" 'PRAGMA journal_mode;' 2>/dev/null || echo unknown)"
    local libsqlite
    libsqlite="$(awk '/^name = "libsqlite3-sys"/{getline; print $3}' "$REPO_DIR/Cargo.lock" 2>/dev/null | tr -d '"' | head -1)"
    python3 - "$version" "$journal" "${libsqlite:-unknown}" "$YUI_SUBMIT_URL_PATH" <<'EOF'
import json, sys
version, journal, libsqlite, path = sys.argv[1:5]
print(json.dumps({
    "name": "Yui", "version": version,
    "sqlite": f"bundled by libsqlite3-sys {libsqlite}",
    "endpoint": f"POST {path} (urlencoded form, no sign-in, idempotency key per request)",
    "durability": f"journal_mode={journal} (file), synchronous=FULL (Yui refuses weaker settings)",
    "settings": "yui serve defaults; --listen 127.0.0.1",
}, ensure_ascii=False))
EOF
}

case "${1:-}" in
install) cmd_install ;;
serve) cmd_serve "$2" "$3" ;;
prepare) cmd_prepare "$2" "$3" ;;
facts) cmd_facts "$2" ;;
*) die "usage: $0 install | serve WORKDIR PORT | prepare WORKDIR PORT | facts WORKDIR" ;;
esac
