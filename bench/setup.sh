#!/bin/sh
# Installs the load generator for bench/http.mjs: Debian's `wrk`. bench/http.mjs runs this
# only when wrk is missing and it runs as root; otherwise it falls back to autocannon (apps/demo
# devDependency), which is slower than wrk and shares the load generator's core with Node's
# own event loop, so wrk's figures are the ones to quote.
#
# Idempotent and quiet on success; on failure it prints apt's output and exits non-zero.
set -eu

if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "bench/setup.sh: wrk is missing; install it as root: apt-get install -y wrk" >&2
  exit 1
fi

LOG=$(mktemp "${TMPDIR:-/tmp}/bench-setup.XXXXXX")
trap 'rm -f "$LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
echo "bench/setup.sh: installing wrk from Debian's archive ..." >&2
# A fresh machine has no package lists yet: try as is first (cheap), update only when needed.
if ! apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends wrk >"$LOG" 2>&1; then
  if ! { apt-get -o DPkg::Lock::Timeout=300 update &&
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends wrk; } >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    echo "bench/setup.sh: apt-get install wrk failed (last lines above)." >&2
    exit 1
  fi
fi
command -v wrk >/dev/null 2>&1 || { echo "bench/setup.sh: wrk still not on PATH after installing it." >&2; exit 1; }
