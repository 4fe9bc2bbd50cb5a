#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the browser test of the chat page (ChatPageBrowserTests).
#
# Idempotent: does nothing once /usr/bin/chromium and /usr/bin/chromedriver exist. Only the tests need them, so a
# machine where they cannot be installed gets a warning, not a failure: that one test then skips itself.
set -euo pipefail

log() { echo "[setup-browser] $*"; }

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    log "no apt-get here: install chromium and its chromedriver yourself, or the chat page's browser test skips"
    exit 0
fi
if [[ $EUID -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
        log "not root and no sudo: the chat page's browser test will skip"
        exit 0
    fi
    exec sudo bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
# apt_get waits for another apt run (unattended upgrades, a parallel setup) to let go of its locks
source "$(dirname "$0")/lib/apt.sh"
log "apt-get install chromium chromium-driver (for the chat page's browser test)"
if ! apt_get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null 2>&1; then
    apt_get update -qq >/dev/null 2>&1 || true
    apt_get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
        || log "could not install chromium: the chat page's browser test will skip"
fi
