#!/bin/sh
# Installs, when it can, the programs some tests drive (Chromium, curl, python3, nginx,
# HAProxy, openssl), from Debian's archive. Each workspace's `pretest` (or a test itself) names
# what it needs; CI is a fresh Debian machine with no other setup step, so this is how CI gets
# them, and `npm test` needs no step done by hand.
#
#   sh scripts/ensure-test-tools.sh WHO PROGRAM[=PACKAGE[,PACKAGE...]] ...
#   e.g. sh ../../scripts/ensure-test-tools.sh k-demo chromium=chromium,fonts-dejavu-core curl python3
#
# - A program counts as there when it is on PATH or in /usr/sbin (nginx, haproxy live there);
#   "chromium" also when CHROMIUM_PATH is set (the tests use that one, or call it missing) or
#   chromium-browser / google-chrome is on PATH. All there: prints nothing, exits 0.
# - Root, or passwordless sudo, with apt-get (Debian/Ubuntu): `apt-get update` + `apt-get
#   install --no-install-recommends` of what is missing; apt's output goes to a log printed only
#   on failure. While apt runs, a policy-rc.d (invoke-rc.d(8)) keeps the packages' services
#   (nginx, haproxy) from starting on the machine: the tests start their own, on free ports.
# - Anything still missing: one line saying what and how to install it. Exit 1 under CI=true
#   (CI must run every test), else 0: the tests that need it skip with the same reason
#   (test-support/outside-tool.ts).
#
# It downloads nothing but Debian's packages (no `playwright install`, no other archive).
set -eu

WHO=${1:?usage: ensure-test-tools.sh WHO PROGRAM[=PACKAGE,...] ...}
shift

has() {
  case "$1" in
    chromium)
      [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 ||
        command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
      ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ;;
  esac
}

MISSING=""
PACKAGES=""
missing_now() {
  MISSING=""
  PACKAGES=""
  for spec in "$@"; do
    program=${spec%%=*}
    packages=$program
    case "$spec" in *=*) packages=$(echo "${spec#*=}" | tr ',' ' ') ;; esac
    if ! has "$program"; then
      MISSING="$MISSING $program"
      PACKAGES="$PACKAGES $packages"
    fi
  done
}

missing_now "$@"
[ -n "$MISSING" ] || exit 0

give_up() {
  echo "ensure-test-tools ($WHO): $1; missing:$MISSING. The tests that need them are skipped (under CI=true they fail)." >&2
  echo "ensure-test-tools ($WHO): install as root on Debian/Ubuntu: apt-get update && apt-get install --no-install-recommends$PACKAGES (Chromium can also come from CHROMIUM_PATH)" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 0
}

if [ "$(id -u)" = 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  # -n: never prompt for a password; a CI job waiting on a prompt would hang until its timeout.
  AS_ROOT="sudo -n"
else
  give_up "not root and no passwordless sudo"
fi
command -v apt-get >/dev/null 2>&1 || give_up "no apt-get (not Debian/Ubuntu)"

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

echo "ensure-test-tools ($WHO): installing$PACKAGES from Debian's archive ..." >&2
# Lock::Timeout: another apt run (unattended-upgrades on a fresh VM) may hold the dpkg lock.
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >"$LOG" 2>&1; then
  tail -n 20 "$LOG" >&2
  give_up "apt-get update failed (output above)"
fi
# $PACKAGES is split on purpose: it is a list of package names.
# shellcheck disable=SC2086
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
  --no-install-recommends $PACKAGES >>"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  give_up "apt-get install failed (last lines above)"
fi

missing_now "$@"
[ -z "$MISSING" ] || give_up "apt-get reported success but a program is still not there"
case " $PACKAGES " in
  *" chromium "*)
    # The package can install and still not start (a missing shared library on an odd base
    # image); finding out here gives a clearer message than a launch timeout inside the test.
    if ! VERSION=$(/usr/bin/chromium --headless --no-sandbox --version 2>>"$LOG"); then
      tail -n 20 "$LOG" >&2
      MISSING=" chromium (installed, but it does not start)"
      give_up "/usr/bin/chromium does not start (output above)"
    fi
    echo "ensure-test-tools ($WHO): installed $VERSION" >&2
    ;;
esac
echo "ensure-test-tools ($WHO): installed$PACKAGES" >&2
