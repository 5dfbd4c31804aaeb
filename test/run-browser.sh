#!/usr/bin/env bash
# The dashboard and the browser client in a real browser: Debian's headless Chromium
# (`chromium-headless-shell`, installed by .ci/run) driven by puppeteer-core. Never skipped:
# without the browser this fails and says how to install it.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium-headless-shell}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "FAIL: no Chromium at $CHROMIUM: apt-get install -y chromium-headless-shell (or set CHROMIUM_PATH)" >&2
  exit 1
fi
# The client test bundles `crossipc/client` through the package's exports map, i.e. from dist/.
[[ -f dist/adapters/browser.js ]] || npm run --silent build
node --import tsx --test --test-concurrency=1 test/browser/*.test.ts
