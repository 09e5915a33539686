#!/usr/bin/env bash
# Directus on SQLite as a peer in Yui's benchmarks.
#
#   directus.sh install               install Directus from npm into $PEERS_DIR/directus (cached)
#   directus.sh serve WORKDIR PORT    bootstrap a fresh SQLite database in WORKDIR, then become
#                                     the Directus server on 127.0.0.1:PORT (exec: same pid)
#   directus.sh prepare WORKDIR PORT  through Directus's REST API: sign in as the admin, give
#                                     the admin a static token, create the 15-field
#                                     `submission` collection; write WORKDIR/target.env
#   directus.sh facts WORKDIR         print the settings that matter for the comparison (JSON)
#
# Settings are Directus's defaults except what a closed benchmark needs: telemetry off (no
# outside traffic), listen on loopback, logs to a file. Directus's SQLite defaults are kept:
# rollback journal (journal_mode=DELETE) with SQLite's default synchronous=FULL, one pooled
# connection, activity and revision rows written with every item, pressure limiter on.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

DIRECTUS_VERSION="${DIRECTUS_VERSION:-12.4.0}"
HOME_DIR="$PEERS_DIR/directus"
ADMIN_EMAIL="bench-admin@example.jp"
ADMIN_PASSWORD="bench-admin-password-1"
COLLECTION="submission"

installed_version() {
    node -p "require('$HOME_DIR/node_modules/directus/package.json').version" 2>/dev/null || true
}

cmd_install() {
    ensure_peer_node
    if [[ "$(installed_version)" != "$DIRECTUS_VERSION" ]]; then
        log "installing directus@$DIRECTUS_VERSION into $HOME_DIR (a few minutes)"
        mkdir -p "$HOME_DIR"
        echo '{"name":"yui-bench-directus","private":true}' >"$HOME_DIR/package.json"
        # Install scripts are skipped: the ones Directus's tree has either download prebuilt
        # binaries from outside the npm registry or are not needed on the submission path.
        # The two native modules Directus needs to start are compiled below.
        (cd "$HOME_DIR" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
            "directus@$DIRECTUS_VERSION") >&2 || die "npm install directus failed"
    fi
    build_node_sqlite3 "$HOME_DIR/node_modules/sqlite3"
    # Directus loads isolated-vm (its sandbox for flow scripts) when it starts.
    build_native "$HOME_DIR/node_modules/isolated-vm" out/isolated_vm.node "isolated-vm"
}

directus_env() {
    local workdir="$1" port="$2"
    export HOST=127.0.0.1 PORT="$port" PUBLIC_URL="http://127.0.0.1:$port"
    export DB_CLIENT=sqlite3 DB_FILENAME="$workdir/directus.db"
    export SECRET="yui-bench-secret-not-for-production"
    export ADMIN_EMAIL ADMIN_PASSWORD
    export STORAGE_LOCAL_ROOT="$workdir/uploads" TEMP_PATH="$workdir/tmp"
    export EXTENSIONS_PATH="$workdir/extensions"
    export TELEMETRY=false NODE_ENV=production
    export CONFIG_PATH="$workdir/.env"
}

cmd_serve() {
    local workdir="$1" port="$2"
    ensure_peer_node
    mkdir -p "$workdir/uploads" "$workdir/tmp" "$workdir/extensions"
    touch "$workdir/.env"
    directus_env "$workdir" "$port"
    cd "$workdir"
    if [[ ! -f "$workdir/directus.db" ]]; then
        node "$HOME_DIR/node_modules/directus/cli.js" bootstrap >"$workdir/bootstrap.log" 2>&1 ||
            die "directus bootstrap failed; see $workdir/bootstrap.log"
    fi
    exec node "$HOME_DIR/node_modules/directus/cli.js" start
}

# curl against the local Directus; prints the body, fails on a non-2xx status.
api() {
    local method="$1" path="$2" body="${3:-}"
    local args=(-sS --fail-with-body --max-time 60 -X "$method" "$BASE$path" -H 'Content-Type: application/json')
    [[ -n "${TOKEN:-}" ]] && args+=(-H "Authorization: Bearer $TOKEN")
    [[ -n "$body" ]] && args+=(--data-binary "$body")
    curl "${args[@]}"
}

# One field of the `submission` collection: name, Directus type, and the interface options.
field() {
    local name="$1" type="$2" interface="$3" choices="${4:-}"
    local options='null'
    if [[ -n "$choices" ]]; then
        options="$(python3 -c 'import json,sys; print(json.dumps({"choices": [{"text": c, "value": c} for c in sys.argv[1].split("|")]}, ensure_ascii=False))' "$choices")"
    fi
    printf '{"field":"%s","type":"%s","meta":{"interface":"%s","options":%s},"schema":{}}' \
        "$name" "$type" "$interface" "$options"
}

cmd_prepare() {
    local workdir="$1" port="$2"
    BASE="http://127.0.0.1:$port"
    wait_http "$BASE/server/health" 180 || die "directus did not answer on $BASE"
    local login
    login="$(api POST /auth/login "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")"
    TOKEN="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])' <<<"$login")"
    local static_token
    static_token="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
    api PATCH /users/me "{\"token\":\"$static_token\"}" >/dev/null
    TOKEN="$static_token"
    local fields=(
        '{"field":"id","type":"integer","meta":{"hidden":true,"readonly":true},"schema":{"is_primary_key":true,"has_auto_increment":true}}'
        "$(field family_name string input)"
        "$(field given_name string input)"
        "$(field family_kana string input)"
        "$(field given_kana string input)"
        "$(field birth_date date datetime)"
        "$(field email string input)"
        "$(field phone string input)"
        "$(field postal_code string input)"
        "$(field address string input)"
        "$(field child_count integer input)"
        "$(field room string select-dropdown '和室A|和室B|多目的ホール')"
        "$(field date date datetime)"
        "$(field time_slot string select-dropdown '午前（9時〜12時）|午後（13時〜17時）')"
        "$(field notes text input-multiline)"
        "$(field consent boolean boolean)"
    )
    local joined
    joined="$(IFS=,; echo "${fields[*]}")"
    api POST /collections "{\"collection\":\"$COLLECTION\",\"meta\":{\"icon\":\"assignment\"},\"schema\":{},\"fields\":[$joined]}" >/dev/null
    cat >"$workdir/target.env" <<EOF
TARGET_URL='$BASE/items/$COLLECTION'
TARGET_METHOD='POST'
TARGET_CONTENT_TYPE='application/json'
TARGET_BODY_FILE='$BENCH_DIR/peers/submission.json'
TARGET_HEADER='Authorization: Bearer $TOKEN'
TARGET_COUNT_URL='$BASE/items/$COLLECTION?aggregate[count]=id'
TARGET_REDIRECT_OK=''
EOF
}

cmd_facts() {
    local workdir="$1"
    local journal
    journal="$(sqlite3 "$workdir/directus.db" 'PRAGMA journal_mode;' 2>/dev/null || echo unknown)"
    ensure_peer_node
    python3 - "$DIRECTUS_VERSION" "$journal" "$(node --version)" \
        "$(node_sqlite_version "$HOME_DIR/node_modules/sqlite3")" <<'EOF'
import json, sys
version, journal, node, sqlite = sys.argv[1:5]
print(json.dumps({
    "name": "Directus", "version": version, "node": node,
    "sqlite": sqlite,
    "endpoint": "POST /items/submission (JSON, static token of the admin user)",
    "durability": f"journal_mode={journal} (file), synchronous=FULL (SQLite default; Directus sets only foreign_keys=ON)",
    "settings": "defaults; TELEMETRY=false; HOST=127.0.0.1; logs to a file; rate limiter off and pressure limiter on (defaults); activity and revisions recorded (default)",
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
