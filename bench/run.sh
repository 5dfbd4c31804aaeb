#!/usr/bin/env bash
# npm run bench: compile the bench (and the crossipc sources it measures) to plain JS for Node,
# then run the orchestrator. Node processes run the compiled JS because tsx's require hook
# slowed the same `ws` echo by 25–35%; Bun and Deno run the TypeScript sources natively.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf bench/.build
# Type errors elsewhere (work in progress in src/ or test/) must not stop the bench: tsc still
# emits; only a missing output is fatal.
node_modules/.bin/tsc -p bench/tsconfig.json >bench/.tsc.log 2>&1 || echo "bench: tsc reported type errors (see bench/.tsc.log); running what it emitted"
if [[ ! -f bench/.build/bench/run.js ]]; then
  cat bench/.tsc.log
  echo "bench: compiling failed" >&2
  exit 1
fi
node bench/.build/bench/run.js "$@" || exit $?

# The hub's own bench (failover per runtime, 1,000 prefixes vs 1) runs its processes itself;
# its tables go at the end of BENCHMARKS.md. `--report-only` reuses its last results; it runs
# when BENCH_CASES is unset or names `hub`.
if [[ " $* " != *" --report-only "* && ( -z "${BENCH_CASES:-}" || ",${BENCH_CASES}," == *",hub,"* ) ]]; then
  node --import tsx bench/hub.ts || echo "bench: the hub bench failed" >&2
fi
if [[ -f bench/hub-results.md ]]; then
  { echo; echo "## The hub: failover and the registry (bench/hub.ts)"; echo; cat bench/hub-results.md; } >>"${BENCH_OUT:-.}/BENCHMARKS.md"
fi
