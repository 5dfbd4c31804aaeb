/**
 * A/B of two checkouts' Node hubs on an intercept route answering its own `new Response(text)`
 * (bench/node-intercept-hub.ts, copied into a checkout that lacks it): autocannon, AB_CONNECTIONS
 * connections (50), fresh hub processes every block, rounds alternating which arm goes first.
 * CPU is every thread's time on a CPU (/proc/<pid>/task/*\/schedstat) per request; ratios B ÷ A
 * per pair. An A/A (one checkout as both arms) shows the floor a run can resolve.
 *   AB_A=<checkout> AB_B=<checkout> node --import tsx bench/intercept-ab.ts
 * AB_BLOCKS (3), AB_PAIRS (4), AB_SECONDS per round (1).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { cpuNs } from "./_threadCpu.ts";
import { quantile, spreadWithExtremes as spread } from "./_abStats.ts";

// autocannon ships no types: the fields read here, as bench/_measure.ts takes it.
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<{ non2xx: number; errors: number; timeouts: number; requests: { total: number } }>;

const blocks = Number(process.env["AB_BLOCKS"] ?? 3);
const pairs = Number(process.env["AB_PAIRS"] ?? 4);
const seconds = Number(process.env["AB_SECONDS"] ?? 1);
const connections = Number(process.env["AB_CONNECTIONS"] ?? 50);
const here = resolve(import.meta.dirname, "..");
const arms = [
  { name: "A", checkout: resolve(process.env["AB_A"] ?? here) },
  { name: "B", checkout: resolve(process.env["AB_B"] ?? here) },
];
for (const arm of arms) {
  const script = `${arm.checkout}/bench/node-intercept-hub.ts`;
  if (!existsSync(script)) copyFileSync(`${here}/bench/node-intercept-hub.ts`, script);
}

async function startHub(checkout: string): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", `${checkout}/bench/node-intercept-hub.ts`], { stdio: ["pipe", "pipe", "inherit"], cwd: checkout });
  const first = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once("line", r));
  const { port, pid } = JSON.parse(first) as { port: number; pid: number };
  return { child, port, pid };
}

async function round(hub: { port: number; pid: number }, duration: number): Promise<{ requests: number; us: number }> {
  const before = cpuNs(hub.pid);
  const result = await autocannon({ url: `http://127.0.0.1:${hub.port}/api/items`, connections, pipelining: 1, duration });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} requests failed or were not 2xx`);
  return { requests: result.requests.total, us: (cpuNs(hub.pid) - before) / result.requests.total / 1000 };
}


const cpuRatios: number[] = [];
const rateRatios: number[] = [];
const loads: number[] = [];
console.log(`node ${process.version} intercept route, own Response, ${connections} connections; A = ${arms[0]!.checkout}, B = ${arms[1]!.checkout}; ${blocks} blocks × ${pairs} pairs of ${seconds} s`);
for (let block = 0; block < blocks; block++) {
  loads.push(loadavg()[0]!);
  const hubs: Record<string, Awaited<ReturnType<typeof startHub>>> = {};
  for (const a of block % 2 ? [...arms].reverse() : arms) hubs[a.name] = await startHub(a.checkout);
  // Warm-up: 3000 requests each.
  for (const a of arms) await autocannon({ url: `http://127.0.0.1:${hubs[a.name]!.port}/api/items`, connections, amount: 3000 });
  for (let pair = 0; pair < pairs; pair++) {
    const samples: Record<string, { requests: number; us: number }> = {};
    for (const a of (pair + block) % 2 ? [...arms].reverse() : arms) samples[a.name] = await round(hubs[a.name]!, seconds);
    const [a, b] = [samples["A"]!, samples["B"]!];
    cpuRatios.push(b.us / a.us);
    rateRatios.push(b.requests / a.requests);
    console.log(`block ${block + 1} pair ${pair + 1}: hub µs/req A ${a.us.toFixed(1)} B ${b.us.toFixed(1)} (${(b.us / a.us).toFixed(3)}); req/s A ${(a.requests / seconds).toFixed(0)} B ${(b.requests / seconds).toFixed(0)}`);
  }
  for (const hub of Object.values(hubs)) {
    hub.child.stdin!.end();
    await new Promise((r) => hub.child.once("exit", r));
  }
}
loads.push(loadavg()[0]!);
console.log(`load ${quantile(loads, 0.5).toFixed(1)} (${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}), ${cpuRatios.length} pairs`);
console.log(`hub CPU per request B ÷ A: ${spread(cpuRatios)}; pairs below 1: ${cpuRatios.filter((r) => r < 1).length} of ${cpuRatios.length}`);
console.log(`req/s B ÷ A: ${spread(rateRatios)}`);
