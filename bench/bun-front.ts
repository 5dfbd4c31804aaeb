/**
 * What the Bun hub's front costs (bench/ANALYSIS.md, "Session 6 — Bun front"): Bun hubs behind
 * the front to `Bun.serve` over a Unix socket (the default, "unix"), over loopback TCP ("tcp"),
 * and straight on `Bun.serve` ("direct", `resettableConnections: false`), in alternating rounds
 * in one run (cases: bench/_front-bench.ts).
 *   npx tsx bench/bun-front.ts [rounds=3] [seconds=4]      (Linux: CPU is read from /proc)
 */
import { frontBench, type HubSpec } from "./_front-bench.ts";

const bun = (mode: string): HubSpec => ({ mode, command: ["node_modules/.bin/bun", "bench/bun-front-hub.ts", mode] });
await frontBench([bun("unix"), bun("tcp"), bun("direct")], Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 4));
