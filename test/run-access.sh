#!/usr/bin/env bash
# Who may reach a hub, against a hub in Node, Bun and Deno: the Host check on every kind of
# traffic, the dashboard key, the caps (runtimeId, framework clients, event streams) and readers
# of the live stream that stop reading. Real processes on 127.0.0.1, port 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
timeout -k 10 600 node --import tsx test/matrix/access.ts
