#!/usr/bin/env bash
# The one system package the tests use: Debian's chromium, which Playwright drives headless to open
# the notebooks in JupyterLab and the built manual. Installed with apt-get only when it is missing;
# without root (or sudo) the browser tests are skipped, and this says so.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else
        echo "browser: /usr/bin/chromium is missing and this user cannot apt-get it: the browser tests will be skipped"
        exit 0
    fi
fi
LOG=$(mktemp /tmp/sage_lfsr_apt.XXXXXX.log)
echo "browser: installing Debian's chromium with apt-get (a few minutes, log $LOG) for the browser tests: notebooks in JupyterLab, the manual"
$SUDO apt-get update -qq >"$LOG" 2>&1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >>"$LOG" 2>&1 \
  || { echo "browser: apt-get install chromium failed (see $LOG)"; exit 1; }
