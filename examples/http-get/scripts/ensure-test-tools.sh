#!/bin/sh
# Makes sure the programs the http-get tests run are installed (examples/http-get's `pretest`):
# curl (the reference whose output ours must equal byte for byte), nginx (a real server to
# fetch from, started by the tests in a temporary prefix) and openssl (makes the throwaway
# certificate of the TLS test). CI is a fresh Debian machine with no other setup step.
#
# - All installed: does nothing and prints nothing.
# - Root, or passwordless sudo, and apt-get: `apt-get update` + `apt-get install
#   --no-install-recommends` of the missing Debian packages; apt's output goes to a log that
#   is printed only on failure. Debian's nginx package starts a system nginx on port 80 when
#   it is installed; the tests never use it, so while apt runs a policy-rc.d (invoke-rc.d(8))
#   keeps maintainer scripts from starting services, unless the machine already has one.
# - Otherwise: prints what to install. Under CI=true that is an error (exit 1): every test
#   must run there. Elsewhere it exits 0 and the tests that need the tool skip, each printing
#   the same reason.
set -eu

missing=""
command -v curl >/dev/null 2>&1 || missing="$missing curl"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -z "$missing" ] && exit 0
missing=${missing# }

give_up() {
  echo "ensure-test-tools: $*" >&2
  echo "ensure-test-tools: the http-get tests need: $missing. Install as root on Debian/Ubuntu with:" >&2
  echo "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "ensure-test-tools: the tests that need them will be skipped (CI is not \"true\")." >&2
  exit 0
}

if [ "$(id -u)" = 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  # -n: never prompt for a password; a CI job waiting on a prompt would hang until its timeout.
  AS_ROOT="sudo -n"
else
  give_up "$missing missing; this user is not root and passwordless sudo is not available."
fi
command -v apt-get >/dev/null 2>&1 || give_up "$missing missing and apt-get is not available (not a Debian-based system?)."

LOG=$(mktemp "${TMPDIR:-/tmp}/ensure-test-tools.XXXXXX")
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=""
cleanup() {
  rm -f "$LOG"
  if [ -n "$OWN_POLICY" ]; then $AS_ROOT rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  # Exit status 101 means "action forbidden" to invoke-rc.d: no service is started.
  printf '#!/bin/sh\nexit 101\n' | $AS_ROOT tee "$POLICY" >/dev/null
  $AS_ROOT chmod 755 "$POLICY"
  OWN_POLICY=1
fi

echo "ensure-test-tools: installing $missing from Debian's archive ..." >&2
# Lock::Timeout: another apt run (unattended-upgrades on a fresh VM) may hold the dpkg lock.
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >"$LOG" 2>&1; then
  cat "$LOG" >&2
  give_up "apt-get update failed (output above)."
fi
# $missing is split on purpose: it is a list of package names.
# shellcheck disable=SC2086
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
  --no-install-recommends $missing >>"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  give_up "apt-get install $missing failed (last lines above)."
fi
for tool in $missing; do
  if [ "$tool" = nginx ]; then [ -x /usr/sbin/nginx ] && continue; fi
  command -v "$tool" >/dev/null 2>&1 || give_up "apt-get reported success but $tool is not installed."
done
echo "ensure-test-tools: installed $missing" >&2
