/**
 * What the Deno TCP front costs (bench/ANALYSIS.md, "Session 5 — Deno front"): two Deno hubs,
 * one behind the front (the default) and one straight on `Deno.serve`
 * (`resettableConnections: false`), measured in alternating rounds in one run:
 * - an intercept route, HTTP keep-alive, 50 connections (autocannon): requests/s and the hub's
 *   CPU per 1,000 requests;
 * - a framework request round trip over the IPC WebSocket at 1 in flight (a Node IPCClient);
 * - the HTTP proxy to a node:http backend, 50 connections (autocannon).
 *   npx tsx bench/deno-front.ts [rounds=3] [seconds=4]      (Linux: CPU is read from /proc)
 * With DENO_FRONT_BASE=<another checkout> a third hub runs that checkout's front ("base"), so a
 * change to the front is measured against the code before it in the same rounds.
 */
import { frontBench, type HubSpec } from "./_front-bench.ts";

const deno = (mode: string, script = "bench/deno-front-hub.ts"): HubSpec => ({ mode, command: ["node_modules/.bin/deno", "run", "-A", "--quiet", script, mode === "base" ? "front" : mode] });
const specs = [deno("front"), deno("direct")];
if (process.env["DENO_FRONT_BASE"]) specs.push(deno("base", `${process.env["DENO_FRONT_BASE"]}/bench/deno-front-hub.ts`));
await frontBench(specs, Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 4));
