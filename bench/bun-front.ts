/**
 * What the Bun hub's front costs (bench/ANALYSIS.md, "Session 6 — Bun front"): Bun hubs behind
 * the front to `Bun.serve` over a Unix socket (the default, "unix"), over loopback TCP ("tcp"),
 * and straight on `Bun.serve` ("direct", `resettableConnections: false`), in alternating rounds
 * in one run (cases: bench/_front-bench.ts).
 *   npx tsx bench/bun-front.ts [rounds=3] [seconds=4]      (Linux: CPU is read from /proc)
 * BUN_FRONT_MODES picks among unix,tcp,direct; with BUN_FRONT_BASE=<another checkout> a hub of
 * that checkout runs too ("base"), so a change is measured against the code before it.
 */
import { frontBench, type HubSpec } from "./_front-bench.ts";

const bun = (mode: string, script = "bench/bun-front-hub.ts"): HubSpec => ({ mode, command: ["node_modules/.bin/bun", script, mode === "base" ? "unix" : mode] });
const modes = (process.env["BUN_FRONT_MODES"] ?? "unix,tcp,direct").split(",");
const specs = modes.map((mode) => bun(mode));
if (process.env["BUN_FRONT_BASE"]) specs.push(bun("base", `${process.env["BUN_FRONT_BASE"]}/bench/bun-front-hub.ts`));
await frontBench(specs, Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 4));
