#!/usr/bin/env bash
# NocoDB on SQLite as a peer in Yui's benchmarks.
#
#   nocodb.sh install               install NocoDB from npm into $PEERS_DIR/nocodb (cached)
#   nocodb.sh serve WORKDIR PORT    become the NocoDB server on 127.0.0.1:PORT with its data
#                                   (noco.db) in WORKDIR (exec: same pid)
#   nocodb.sh prepare WORKDIR PORT  through NocoDB's REST API: sign in as the super admin
#                                   (created at start from NC_ADMIN_EMAIL/NC_ADMIN_PASSWORD),
#                                   create an API token, a base and the 15-field `submission`
#                                   table; write WORKDIR/target.env
#   nocodb.sh facts WORKDIR         print the settings that matter for the comparison (JSON)
#
# Settings are NocoDB's defaults except what a closed benchmark needs: telemetry and error
# reports off (no outside traffic), listen on loopback. NocoDB's default SQLite set-up is kept:
# with no NC_DB it keeps its metadata and the tables' data in one file, noco.db, in the working
# folder, with SQLite's defaults (rollback journal, synchronous=FULL).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NOCODB_VERSION="${NOCODB_VERSION:-0.301.3}"
HOME_DIR="$PEERS_DIR/nocodb"
ADMIN_EMAIL="bench-admin@example.jp"
ADMIN_PASSWORD="Bench-admin-password-1"
TABLE="submission"

installed_version() {
    node -p "require('$HOME_DIR/node_modules/nocodb/package.json').version" 2>/dev/null || true
}

cmd_install() {
    ensure_peer_node
    if [[ "$(installed_version)" != "$NOCODB_VERSION" ]]; then
        log "installing nocodb@$NOCODB_VERSION into $HOME_DIR (a few minutes)"
        mkdir -p "$HOME_DIR"
        # NocoDB depends on xlsx through a URL outside the npm registry; the registry's last
        # xlsx release stands in for it. It is used for spreadsheet import and export only,
        # which the benchmark does not touch.
        cat >"$HOME_DIR/package.json" <<'EOF'
{"name":"yui-bench-nocodb","private":true,"overrides":{"xlsx":"0.18.5"}}
EOF
        # Install scripts are skipped (nocodb-sdk's insists on pnpm; others download prebuilt
        # binaries from outside the registry). The SQLite driver is compiled below.
        (cd "$HOME_DIR" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
            "nocodb@$NOCODB_VERSION") >&2 || die "npm install nocodb failed"
    fi
    build_node_sqlite3 "$HOME_DIR/node_modules/sqlite3"
}

cmd_serve() {
    local workdir="$1" port="$2"
    ensure_peer_node
    mkdir -p "$workdir"
    cd "$workdir"
    export HOST=127.0.0.1 PORT="$port" NC_PUBLIC_URL="http://127.0.0.1:$port"
    export NC_TOOL_DIR="$workdir"
    export NC_ADMIN_EMAIL="$ADMIN_EMAIL" NC_ADMIN_PASSWORD="$ADMIN_PASSWORD"
    export NC_AUTH_JWT_SECRET="yui-bench-secret-not-for-production"
    export NC_DISABLE_TELE=true NC_DISABLE_ERR_REPORTS=true NC_DISABLE_SUPPORT_CHAT=true
    export NODE_PATH="$HOME_DIR/node_modules"
    export NODE_ENV=production
    exec node "$BENCH_DIR/peers/nocodb-server.cjs"
}

# curl against the local NocoDB; prints the body, fails on a non-2xx status.
api() {
    local method="$1" path="$2" body="${3:-}"
    local args=(-sS --fail-with-body --max-time 60 -X "$method" "$BASE$path" -H 'Content-Type: application/json')
    [[ -n "${AUTH:-}" ]] && args+=(-H "$AUTH")
    [[ -n "$body" ]] && args+=(--data-binary "$body")
    curl "${args[@]}"
}

json_get() {
    python3 -c 'import json, sys; v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v[k]
print(v)' "$1"
}

column() {
    local name="$1" uidt="$2" choices="${3:-}"
    if [[ -n "$choices" ]]; then
        python3 -c 'import json, sys
n, u, c = sys.argv[1:4]
print(json.dumps({"column_name": n, "title": n, "uidt": u,
                  "colOptions": {"options": [{"title": t} for t in c.split("|")]}}, ensure_ascii=False))' \
            "$name" "$uidt" "$choices"
    else
        printf '{"column_name":"%s","title":"%s","uidt":"%s"}' "$name" "$name" "$uidt"
    fi
}

cmd_prepare() {
    local workdir="$1" port="$2"
    BASE="http://127.0.0.1:$port"
    wait_http "$BASE/api/v1/health" 180 "^200$" || die "nocodb did not answer on $BASE"
    AUTH=""
    local signin
    signin="$(api POST /api/v1/auth/user/signin "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")"
    AUTH="xc-auth: $(json_get token <<<"$signin")"
    local token
    token="$(api POST /api/v1/tokens '{"description":"yui-bench"}' | json_get token)"
    AUTH="xc-token: $token"
    local base_id
    base_id="$(api POST /api/v2/meta/bases '{"title":"yui-bench"}' | json_get id)"
    local columns=(
        '{"column_name":"id","title":"Id","uidt":"ID"}'
        "$(column family_name SingleLineText)"
        "$(column given_name SingleLineText)"
        "$(column family_kana SingleLineText)"
        "$(column given_kana SingleLineText)"
        "$(column birth_date Date)"
        "$(column email Email)"
        "$(column phone PhoneNumber)"
        "$(column postal_code SingleLineText)"
        "$(column address SingleLineText)"
        "$(column child_count Number)"
        "$(column room SingleSelect '和室A|和室B|多目的ホール')"
        "$(column date Date)"
        "$(column time_slot SingleSelect '午前（9時〜12時）|午後（13時〜17時）')"
        "$(column notes LongText)"
        "$(column consent Checkbox)"
    )
    local joined
    joined="$(IFS=,; echo "${columns[*]}")"
    local table_id
    table_id="$(api POST "/api/v2/meta/bases/$base_id/tables" \
        "{\"table_name\":\"$TABLE\",\"title\":\"$TABLE\",\"columns\":[$joined]}" | json_get id)"
    cat >"$workdir/target.env" <<EOF
TARGET_URL='$BASE/api/v2/tables/$table_id/records'
TARGET_METHOD='POST'
TARGET_CONTENT_TYPE='application/json'
TARGET_BODY_FILE='$BENCH_DIR/peers/submission.json'
TARGET_HEADER='xc-token: $token'
TARGET_COUNT_URL='$BASE/api/v2/tables/$table_id/records/count'
TARGET_REDIRECT_OK=''
EOF
}

cmd_facts() {
    local workdir="$1"
    ensure_peer_node
    local journal
    journal="$(sqlite3 "$workdir/noco.db" 'PRAGMA journal_mode;' 2>/dev/null || echo unknown)"
    python3 - "$NOCODB_VERSION" "$journal" "$(node --version)" \
        "$(node_sqlite_version "$HOME_DIR/node_modules/sqlite3")" <<'EOF'
import json, sys
version, journal, node, sqlite = sys.argv[1:5]
print(json.dumps({
    "name": "NocoDB", "version": version, "node": node, "sqlite": sqlite,
    "endpoint": "POST /api/v2/tables/{tableId}/records (JSON, API token of the super admin)",
    "durability": f"journal_mode={journal} (file), synchronous=FULL (SQLite default; NocoDB sets no journal or sync pragma)",
    "settings": "defaults (no NC_DB: metadata and data in noco.db); NC_DISABLE_TELE, NC_DISABLE_ERR_REPORTS; HOST=127.0.0.1; NODE_ENV=production; xlsx 0.18.5 from npm instead of the CDN build",
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
