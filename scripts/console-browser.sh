#!/usr/bin/env bash
# The console in a real browser (tests/browser/console.test.mjs): headless Chromium driven by
# Playwright against a running meshgov with its workers, the AWS emulator and the demo mesh seeded
# (the test command runs it in its contract stage).
#
#   scripts/console-browser.sh BASE_URL
#
# Chromium: CHROMIUM when set, else the system's (/usr/bin/chromium), installed from Debian's
# packages (`apt-get install chromium`) when missing and this runs as root. Playwright
# (playwright-core, pinned in tests/browser/package-lock.json) is installed once with npm ci.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BASE_URL=${1:-}
[[ -n $BASE_URL ]] || die "usage: scripts/console-browser.sh BASE_URL"
DIR=$MESHGOV_REPO/tests/browser

chromium=${CHROMIUM:-}
if [[ -z $chromium ]]; then
    chromium=$(command -v chromium || true)
    if [[ -z $chromium ]]; then
        is_root && command -v apt-get >/dev/null 2>&1 || die "Chromium is needed: install Debian's chromium package, or set CHROMIUM"
        log "installing Chromium (Debian's chromium package)"
        # A fresh machine may have no package lists yet.
        { apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }; } >&2 ||
            die "apt-get could not install chromium"
        chromium=$(command -v chromium) || die "chromium is not on PATH after installing it"
    fi
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "node and npm are required"

stamp=$DIR/node_modules/.meshgov-stamp
want="node$(node --version) $(cksum <"$DIR/package-lock.json")"
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    log "installing Playwright: npm ci (tests/browser)"
    # --ignore-scripts: playwright-core downloads no browser; the system's Chromium is used.
    (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
    printf '%s\n' "$want" >"$stamp"
fi

log "console in a browser: $("$chromium" --version 2>/dev/null || echo chromium) against $BASE_URL"
cd "$DIR"
BASE_URL=$BASE_URL CHROMIUM=$chromium node --test --test-reporter=spec console.test.mjs >&2
