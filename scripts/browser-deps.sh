#!/usr/bin/env bash
# What the browser tests (tests/browser) need besides the venv: Debian's Chromium, driven by
# Playwright's own driver (no browser download), and axe-core from tests/browser's npm lock.
# Installs what it can; otherwise says how, and the browser tests fail with the same advice.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium
BROWSER_TESTS=tests/browser
STAMP=$BROWSER_TESTS/node_modules/.installed-stamp

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "browser tests: installing Debian's chromium"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "browser tests: $CHROMIUM is missing; install Debian's chromium: sudo apt-get install chromium" >&2
    fi
fi

# npm ci again when the lock changed since the last install.
if [ ! -f "$STAMP" ] || [ "$BROWSER_TESTS/package-lock.json" -nt "$STAMP" ]; then
    if command -v npm >/dev/null; then
        npm ci --prefix "$BROWSER_TESTS" --no-audit --no-fund --loglevel=error
        touch "$STAMP"
    else
        echo "browser tests: npm is missing, so axe-core cannot be installed; install Node.js and npm (apt-get install npm)" >&2
    fi
fi
