/**
 * A/B of two checkouts' Bun (or Deno) hubs on the HTTP-proxy case (bench/cases/http.ts "proxy":
 * autocannon, 50 connections, GET /api/items to a node:http backend): each arm's hub is its
 * checkout's bench/<runtime>-front-hub.ts, fresh processes every block, rounds alternating which
 * arm goes first. CPU is every thread's time on a CPU (/proc/<pid>/task/*\/schedstat) per request;
 * ratios B ÷ A per pair. An A/A (one checkout as both arms) shows the floor a run can resolve.
 *   AB_RUNTIME=bun AB_A=<checkout> AB_B=<checkout> node --import tsx bench/proxy-ab.ts
 * AB_BLOCKS (3), AB_PAIRS (4), AB_SECONDS per round (1).
 * AB_MODE_A / AB_MODE_B: each arm's hub with its front ("front", the default) or without it
 * ("direct", `resettableConnections: false`): A = direct, B = front measures what the front costs.
 * AB_AA=1 runs a third hub, a second A, in the same rounds: its ratio to A is the A/A.
 * AB_POST=<bytes>: POST a body of that size (the backend reads it whole) instead of a GET.
 * AB_CHUNKED=1: the backend answers without a content-length (chunked).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { cpuNs } from "./_threadCpu.ts";
import { quantile, spreadWithExtremes as spread } from "./_abStats.ts";

// autocannon ships no types: the fields read here, as bench/_measure.ts takes it.
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<{ non2xx: number; errors: number; timeouts: number; requests: { total: number } }>;

const runtime = process.env["AB_RUNTIME"] ?? "bun";
const blocks = Number(process.env["AB_BLOCKS"] ?? 3);
const pairs = Number(process.env["AB_PAIRS"] ?? 4);
const seconds = Number(process.env["AB_SECONDS"] ?? 1);
const here = resolve(import.meta.dirname, "..");
const modeOf = (value: string | undefined): "front" | "direct" => (value === "direct" ? "direct" : "front");
const arms = [
  { name: "A", checkout: resolve(process.env["AB_A"] ?? here), mode: modeOf(process.env["AB_MODE_A"]) },
  { name: "B", checkout: resolve(process.env["AB_B"] ?? here), mode: modeOf(process.env["AB_MODE_B"]) },
];
if (process.env["AB_AA"] === "1") arms.push({ ...arms[0]!, name: "A2" });
const postBytes = Number(process.env["AB_POST"] ?? 0);
const chunked = process.env["AB_CHUNKED"] === "1";
const load = postBytes > 0 ? { method: "POST", body: Buffer.alloc(postBytes, 0x61) } : {};

// The backend in this process: its CPU is not what is compared, and both arms share it.
const ITEMS = JSON.stringify({ items: [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }, { id: 3, name: "gamma" }], total: 3 });
const backend = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, chunked ? { "content-type": "application/json" } : { "content-type": "application/json", "content-length": Buffer.byteLength(ITEMS) });
    response.end(ITEMS);
  });
});
await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

async function startHub(checkout: string, mode: "front" | "direct"): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const script = `${checkout}/bench/${runtime}-front-hub.ts`;
  const command = runtime === "bun" ? [`${here}/node_modules/.bin/bun`, script, mode === "front" ? "unix" : "direct", backendUrl] : [`${here}/node_modules/.bin/deno`, "run", "-A", "--quiet", script, mode, backendUrl];
  const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"], cwd: checkout });
  const first = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once("line", r));
  const { port, pid } = JSON.parse(first) as { port: number; pid: number };
  return { child, port, pid };
}

async function round(hub: { port: number; pid: number }, duration: number): Promise<{ requests: number; us: number }> {
  const before = cpuNs(hub.pid);
  const result = await autocannon({ url: `http://127.0.0.1:${hub.port}/api/items?page=1`, connections: 50, pipelining: 1, duration, ...load });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} requests failed or were not 2xx`);
  return { requests: result.requests.total, us: (cpuNs(hub.pid) - before) / result.requests.total / 1000 };
}


const cpuRatios: number[] = [];
const rateRatios: number[] = [];
const aaRatios: number[] = [];
const loads: number[] = [];
const what = `${postBytes > 0 ? `POST ${postBytes} B` : "GET"}${chunked ? ", chunked answers" : ""}`;
console.log(`${runtime} HTTP proxy, ${what}, 50 connections; A = ${arms[0]!.checkout} (${arms[0]!.mode}), B = ${arms[1]!.checkout} (${arms[1]!.mode})${arms.length > 2 ? ", A2 = A" : ""}; ${blocks} blocks × ${pairs} pairs of ${seconds} s`);
for (let block = 0; block < blocks; block++) {
  loads.push(loadavg()[0]!);
  const hubs: Record<string, Awaited<ReturnType<typeof startHub>>> = {};
  for (const a of block % 2 ? [...arms].reverse() : arms) hubs[a.name] = await startHub(a.checkout, a.mode);
  // Warm-up: 3000 requests each.
  for (const a of arms) await autocannon({ url: `http://127.0.0.1:${hubs[a.name]!.port}/api/items?page=1`, connections: 50, amount: 3000, ...load });
  for (let pair = 0; pair < pairs; pair++) {
    const samples: Record<string, { requests: number; us: number }> = {};
    for (const a of (pair + block) % 2 ? [...arms].reverse() : arms) samples[a.name] = await round(hubs[a.name]!, seconds);
    const [a, b, a2] = [samples["A"]!, samples["B"]!, samples["A2"]];
    cpuRatios.push(b.us / a.us);
    rateRatios.push(b.requests / a.requests);
    if (a2) aaRatios.push(a2.us / a.us);
    const aa = a2 ? `; A2 ${a2.us.toFixed(1)} (${(a2.us / a.us).toFixed(3)})` : "";
    console.log(`block ${block + 1} pair ${pair + 1}: hub µs/req A ${a.us.toFixed(1)} B ${b.us.toFixed(1)} (${(b.us / a.us).toFixed(3)})${aa}; req/s A ${(a.requests / seconds).toFixed(0)} B ${(b.requests / seconds).toFixed(0)}`);
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
if (aaRatios.length > 0) console.log(`A/A, hub CPU per request A2 ÷ A: ${spread(aaRatios)}; pairs below 1: ${aaRatios.filter((r) => r < 1).length} of ${aaRatios.length}`);
backend.close();
