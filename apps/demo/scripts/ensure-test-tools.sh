#!/bin/sh
# Installs the programs the demo's tests drive, when it can (apps/demo's `pretest`): a Chromium
# for apps/demo/test/browser.test.ts (through playwright-core), and curl and python3 for
# apps/demo/test/conformance-clients.test.ts. CI is a fresh Debian machine with no other setup
# step, so this is how CI gets them.
#
# - Already there: does nothing and prints nothing (cheap on every run). A Chromium counts as
#   there when CHROMIUM_PATH is set (the test uses that one, or treats it as missing) or one is
#   on PATH (chromium, chromium-browser, google-chrome) or at /usr/bin/chromium.
# - Root, or passwordless sudo, with apt-get (Debian/Ubuntu): `apt-get update` + `apt-get
#   install --no-install-recommends` of what is missing; apt's chatter goes to a log that is
#   printed only on failure.
# - Anything else (a normal user, macOS, Windows, no apt-get): one line per missing program
#   saying how to install it, and exit 0: those tests skip with the same reason, or fail under
#   CI=true (test-support/outside-tool.ts). Only a failed install under CI=true exits non-zero.
#
# It deliberately downloads nothing but Debian's packages (no `playwright install`).
set -eu

# fonts-dejavu-core is already pulled in through chromium -> libfontconfig1 -> fontconfig-config
# (its first alternative), but the page's text and the failure screenshots need a real font,
# so it is named explicitly rather than left to an alternative that another package could satisfy.
PACKAGES=""
MISSING=""
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ] &&
  ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 &&
  ! command -v google-chrome >/dev/null 2>&1; then
  PACKAGES="chromium fonts-dejavu-core"
  MISSING="Chromium"
fi
if ! command -v curl >/dev/null 2>&1; then
  PACKAGES="$PACKAGES curl"
  MISSING="$MISSING curl"
fi
if ! command -v python3 >/dev/null 2>&1; then
  PACKAGES="$PACKAGES python3"
  MISSING="$MISSING python3"
fi
[ -n "$PACKAGES" ] || exit 0

notice() {
  echo "ensure-test-tools: $1; not installing$MISSING: the demo tests that need them are skipped (under CI=true they fail)." >&2
  echo "ensure-test-tools: to run them, install$MISSING: as root on Debian/Ubuntu \`apt-get install --no-install-recommends$PACKAGES\`; Chromium can also come from \`npx playwright install chromium\` or CHROMIUM_PATH." >&2
}

if [ "$(id -u)" = 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  # -n: never prompt for a password; a CI job waiting on a prompt would hang until its timeout.
  AS_ROOT="sudo -n"
else
  notice "not root and no passwordless sudo"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  notice "no apt-get (not Debian/Ubuntu)"
  exit 0
fi

LOG=$(mktemp "${TMPDIR:-/tmp}/ensure-test-tools.XXXXXX")
trap 'rm -f "$LOG"' EXIT

failed() {
  notice "$1"
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 0
}

echo "ensure-test-tools: installing$PACKAGES from Debian's archive (first run on this machine) ..." >&2
# Lock::Timeout: another apt run (unattended-upgrades on a fresh VM) may hold the dpkg lock for a while.
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >"$LOG" 2>&1; then
  cat "$LOG" >&2
  failed "apt-get update failed (output above)"
fi
# $PACKAGES is split on purpose: it is a list of package names.
# shellcheck disable=SC2086
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
  --no-install-recommends $PACKAGES >>"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  failed "apt-get install$PACKAGES failed (last lines above)"
fi

case " $PACKAGES " in
  *" chromium "*)
    # The package can install and still not start (a missing shared library on an odd base
    # image); finding out here gives a clearer message than a launch timeout inside the test.
    # (stderr goes to the log: Debian's launcher script prints harmless shell warnings there.)
    if ! VERSION=$(/usr/bin/chromium --headless --no-sandbox --version 2>>"$LOG"); then
      tail -n 20 "$LOG" >&2
      failed "/usr/bin/chromium is installed but does not start (output above)"
    fi
    echo "ensure-test-tools: installed $VERSION" >&2
    ;;
esac
