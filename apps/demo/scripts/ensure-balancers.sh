#!/bin/sh
# Makes sure Debian's nginx and HAProxy are installed for apps/demo/test/balancer.test.ts,
# which runs this script itself before it decides whether it can run (it is not part of the
# pretest, so that a machine without them still runs every other test).
#
# - Both installed: does nothing, prints nothing, exits 0.
# - Root, or passwordless sudo, and apt-get: installs what is missing (apt's output goes to a
#   log printed only on failure), exits 0 when both then exist.
# - Anything else: one line on stderr naming what to install, exit 1. The test then skips
#   with that line (outside CI) or fails (CI=true).
set -eu

PACKAGES="nginx haproxy"
have() { [ -x /usr/sbin/nginx ] && command -v haproxy >/dev/null 2>&1; }
fail() {
  echo "ensure-balancers: $* Install them as root with: apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
}

have && exit 0

if [ "$(id -u)" = 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  AS_ROOT="sudo -n"
else
  fail "nginx or haproxy is missing and this user can neither install (not root, no passwordless sudo)."
fi
command -v apt-get >/dev/null 2>&1 || fail "nginx or haproxy is missing and apt-get is not available."

LOG=$(mktemp "${TMPDIR:-/tmp}/ensure-balancers.XXXXXX")
trap 'rm -f "$LOG"' EXIT
echo "ensure-balancers: installing $PACKAGES from Debian's archive ..." >&2
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >"$LOG" 2>&1; then
  tail -n 20 "$LOG" >&2
  fail "apt-get update failed (output above)."
fi
# The packages' own services must not start on a test machine (they would take port 80).
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $AS_ROOT tee "$POLICY" >/dev/null
  $AS_ROOT chmod +x "$POLICY"
  REMOVE_POLICY=1
fi
# shellcheck disable=SC2086
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
  --no-install-recommends $PACKAGES >>"$LOG" 2>&1; then
  [ "${REMOVE_POLICY:-0}" = 1 ] && $AS_ROOT rm -f "$POLICY"
  tail -n 40 "$LOG" >&2
  fail "apt-get install failed (last lines above)."
fi
[ "${REMOVE_POLICY:-0}" = 1 ] && $AS_ROOT rm -f "$POLICY"
have || fail "apt-get reported success but /usr/sbin/nginx or haproxy is still missing."
echo "ensure-balancers: installed $(/usr/sbin/nginx -v 2>&1), $(haproxy -v | head -n 1)" >&2
