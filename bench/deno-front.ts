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
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { IPCClient, IPCServer } from "../adapters/node.ts";

const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<any>;
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 4);
const echo = IPCServer.defineRequest<number, number>("bench/echo");

const backend = createServer((_req, res) => res.end('{"items":[1,2,3]}'));
backend.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

async function hub(mode: "front" | "direct" | "base") {
  const script = mode === "base" ? `${process.env["DENO_FRONT_BASE"]}/bench/deno-front-hub.ts` : "bench/deno-front-hub.ts";
  const child = spawn("node_modules/.bin/deno", ["run", "-A", "--quiet", script, mode === "base" ? "front" : mode, backendUrl], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  const { port, pid } = JSON.parse(line) as { port: number; pid: number };
  return { mode, port, pid, stop: () => child.stdin!.end() };
}

/** User + system CPU seconds of a process so far (Linux). */
function cpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const http = (path: string) => async (port: number, pid: number) => {
  const before = cpu(pid);
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: 50, duration: seconds });
  const count = result.requests.total as number;
  return { rate: count / result.duration, cpuPer1k: ((cpu(pid) - before) / count) * 1000, bad: result.non2xx + result.errors };
};

async function rpc(port: number, pid: number) {
  const client = new IPCClient(port);
  await client.connect("bench");
  for (let i = 0; i < 200; i++) await client.sendFrameworkRequest(echo as never, i as never);
  const before = cpu(pid);
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    await client.sendFrameworkRequest(echo as never, count as never);
    count++;
  }
  const ms = performance.now() - start;
  const used = cpu(pid) - before;
  client.disconnect();
  return { rate: (count / ms) * 1000, cpuPer1k: (used / count) * 1000, bad: 0 };
}

const CASES = [
  ["intercept, 50 connections", http("/users/42")],
  ["IPC round trip, 1 in flight", rpc],
  ["HTTP proxy, 50 connections", http("/api/items?page=1")],
] as const;
const hubs = [await hub("front"), await hub("direct")];
if (process.env["DENO_FRONT_BASE"]) hubs.push(await hub("base"));
const results: Record<string, Array<{ rate: number; cpuPer1k: number }>> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, measure] of CASES) {
    // Alternate which goes first, so neither always meets the machine in the same state.
    for (const h of round % 2 ? [...hubs].reverse() : hubs) {
      const r = await measure(h.port, h.pid);
      (results[`${name} | ${h.mode}`] ??= []).push(r);
      console.log(`round ${round + 1} ${name} ${h.mode}: ${r.rate.toFixed(0)}/s, ${r.cpuPer1k.toFixed(3)} CPU s per 1k${r.bad ? `, ${r.bad} bad` : ""}`);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const mode of hubs.length > 2 ? ["front", "base"] : ["front"]) {
  console.log(`\n| case | ${mode} /s | direct /s | ${mode} ÷ direct (rate) | ${mode} ÷ direct (hub CPU per request) | CPU ratio per round |\n|---|---|---|---|---|---|`);
  for (const [name] of CASES) {
    const front = results[`${name} | ${mode}`]!;
    const direct = results[`${name} | direct`]!;
    // Ratios per round (taken close in time), then their median.
    const rateRatio = median(front.map((f, i) => f.rate / direct[i]!.rate));
    const cpuRatios = front.map((f, i) => f.cpuPer1k / direct[i]!.cpuPer1k);
    const perRound = cpuRatios.map((r) => r.toFixed(2)).join(", ");
    console.log(`| ${name} | ${median(front.map((r) => r.rate)).toFixed(0)} | ${median(direct.map((r) => r.rate)).toFixed(0)} | ${rateRatio.toFixed(2)}× | ${median(cpuRatios).toFixed(2)}× | ${perRound} |`);
  }
}
if (hubs.length > 2) {
  console.log("\n| case | front ÷ base (hub CPU per request) | per round |\n|---|---|---|");
  for (const [name] of CASES) {
    const front = results[`${name} | front`]!;
    const ratios = results[`${name} | base`]!.map((b, i) => front[i]!.cpuPer1k / b.cpuPer1k);
    console.log(`| ${name} | ${median(ratios).toFixed(2)}× | ${ratios.map((r) => r.toFixed(2)).join(", ")} |`);
  }
}
for (const h of hubs) h.stop();
backend.close();
backend.closeAllConnections();
