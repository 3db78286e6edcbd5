#!/bin/sh
# Makes sure the programs the demo's tests drive are installed before they run (apps/demo's
# `pretest`): Debian's Chromium at /usr/bin/chromium (apps/demo/test/browser.test.ts drives it
# through playwright-core) and curl (apps/demo/test/conformance-clients.test.ts runs it as a
# client). CI is a fresh Debian machine with no other setup step.
#
# - Already installed: does nothing and prints nothing (idempotent, cheap on every run).
# - Root, or passwordless sudo: `apt-get update` + `apt-get install --no-install-recommends
#   chromium fonts-dejavu-core`; apt's chatter goes to a log that is printed only on failure.
# - Anything else (not root and no sudo, no apt-get, install failed, binary does not start):
#   a message saying what to install, and a non-zero exit so the test run stops visibly
#   instead of the browser test being skipped.
#
# It deliberately does not download a browser from anywhere but Debian's archive (no
# `playwright install`): the test runs the distribution's Chromium, the one CI can audit.
set -eu

CHROMIUM=/usr/bin/chromium
# fonts-dejavu-core is already pulled in through chromium -> libfontconfig1 -> fontconfig-config
# (its first alternative), but the page's text and the failure screenshots need a real font,
# so it is named explicitly rather than left to an alternative that another package could satisfy.
PACKAGES="chromium fonts-dejavu-core curl"

fail() {
  echo "ensure-test-tools: $*" >&2
  echo "ensure-test-tools: the browser test (apps/demo/test/browser.test.ts) needs Chromium at $CHROMIUM and the client tests need curl." >&2
  echo "ensure-test-tools: install it as root on Debian/Ubuntu with:" >&2
  echo "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
}

if [ -x "$CHROMIUM" ] && command -v curl >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  # -n: never prompt for a password; a CI job waiting on a prompt would hang until its timeout.
  AS_ROOT="sudo -n"
else
  fail "$CHROMIUM or curl is missing, this user is not root and passwordless sudo is not available."
fi

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available (not a Debian-based system?)."

LOG=$(mktemp "${TMPDIR:-/tmp}/ensure-test-tools.XXXXXX")
trap 'rm -f "$LOG"' EXIT

echo "ensure-test-tools: installing $PACKAGES from Debian's archive (first run on this machine) ..." >&2
# Lock::Timeout: another apt run (unattended-upgrades on a fresh VM) may hold the dpkg lock for a while.
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >"$LOG" 2>&1; then
  cat "$LOG" >&2
  fail "apt-get update failed (output above)."
fi
# $PACKAGES is split on purpose: it is a list of package names.
# shellcheck disable=SC2086
if ! $AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
  --no-install-recommends $PACKAGES >>"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  fail "apt-get install $PACKAGES failed (last lines above)."
fi

[ -x "$CHROMIUM" ] || fail "apt-get reported success but $CHROMIUM does not exist."
command -v curl >/dev/null 2>&1 || fail "apt-get reported success but curl is not on PATH."
# The package can install and still not start (a missing shared library on an odd base image);
# finding out here gives a clearer message than a launch timeout inside the test.
# (stderr goes to the log: Debian's launcher script prints harmless shell warnings there.)
if ! VERSION=$("$CHROMIUM" --headless --no-sandbox --version 2>>"$LOG"); then
  tail -n 20 "$LOG" >&2
  fail "$CHROMIUM is installed but does not start (output above)."
fi
echo "ensure-test-tools: installed $VERSION" >&2
