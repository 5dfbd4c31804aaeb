#!/usr/bin/env bash
# What the test suite needs beyond `npm install`: Debian's headless Chromium for the browser
# tests (puppeteer-core never downloads a browser). Does nothing when it is already there.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium-headless-shell}"
if [[ -x "$CHROMIUM" ]]; then
  echo "Chromium: $CHROMIUM"
  exit 0
fi
SUDO=""
[[ "$(id -u)" == "0" ]] || SUDO="sudo"
echo "Installing Debian's chromium-headless-shell for the browser tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium-headless-shell >/dev/null
echo "Chromium: $(command -v chromium-headless-shell)"
