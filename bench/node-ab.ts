/**
 * A/B of two Node servers (or two Node clients) at one request in flight, front-ab.ts's method
 * for Node (bench/ANALYSIS.md, "How the A/B was measured"): per arm one server process and one
 * client process; the arms run in alternating rounds (which goes first alternates too), `AB_PAIRS`
 * pairs per block, fresh processes for every block. CPU is every thread's time on a CPU, from
 * /proc/<pid>/task/*\/schedstat, per request; ratios B ÷ A are taken per pair.
 *   AB_A=<checkout>[:mode] AB_B=<checkout>[:mode] npx tsx bench/node-ab.ts
 * Node runs compiled JS, as `npm run bench` does (tsx slowed Node by 25–35%): build each checkout
 * first with `node_modules/.bin/tsc -p bench/tsconfig.json` (copy node-ab-server.ts and
 * node-ab-client.ts into a checkout that lacks them).
 * AB_SIDE=server (default): the arm's mode is its server (crossipc | nojournal | orig), driven by
 *   this checkout's client AB_CLIENT (decode, the reference client that decodes every answer as the
 *   original's does; plain, the one that does not; default decode).
 * AB_SIDE=client: the arm's mode is its client (ipc | orig | decode | plain), talking to this
 *   checkout's server AB_SERVER (default ref, the reference server; or crossipc | orig).
 * AB_SIDE=both: both ends are the arm's: its server (the mode) and its client AB_CLIENT (default
 *   ipc, its own IPCClient), as the bench's RPC cases pair them; an arm written
 *   `<checkout>:<server>:<client>` names its own client (`AB_A=.:raw:raw AB_B=.:crossipc:ipc`:
 *   issue 20's one-in-flight line, crossipc against the raw echo).
 * Server mode raw and client kind raw are the raw echo's ends (bench/_raw.ts); the raw client
 *   drives a framework server with request frames and no client work of its own (AB_CLIENT=raw).
 * AB_NODE: the node binary (default: the one running this); AB_NODE_A / AB_NODE_B: an arm's own
 *   (Node 20 against Node 24 on the same code). AB_BLOCKS (6), AB_PAIRS (5), AB_MS per
 * round (600), AB_INFLIGHT (1), AB_PAYLOAD (small, 64k, or a number of bytes of text), AB_WARM (rounds per arm and block
 * before its pairs, not counted: 2).
 * An A/A (the same checkout and mode as both arms) shows the floor of what a run can resolve.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { cpuNs, minorFaults } from "./_threadCpu.ts";
import { median, quantile, spread } from "./_abStats.ts";

const side = process.env["AB_SIDE"] ?? "server";
const node = process.env["AB_NODE"] ?? process.execPath;
const blocks = Number(process.env["AB_BLOCKS"] ?? 6);
const pairs = Number(process.env["AB_PAIRS"] ?? 5);
const ms = Number(process.env["AB_MS"] ?? 600);
const inflight = Number(process.env["AB_INFLIGHT"] ?? 1);
/** Rounds per arm and block before the counted pairs: a fresh process's first rounds ran 1.5–3× the CPU of its later ones (the JIT still compiling). */
const warm = Number(process.env["AB_WARM"] ?? 2);
const here = resolve(import.meta.dirname, "..");

interface Arm {
  name: string;
  checkout: string;
  mode: string;
  /** AB_SIDE=both: the arm's own client, if its spec names one. */
  client: string | undefined;
  node: string;
}
function arm(name: string, spec: string): Arm {
  const [checkout, mode, client] = spec.split(":");
  return { name, checkout: resolve(checkout!), mode: mode ?? (side === "server" ? "crossipc" : "ipc"), client, node: process.env[`AB_NODE_${name}`] ?? node };
}
const arms = [arm("A", process.env["AB_A"] ?? here), arm("B", process.env["AB_B"] ?? here)];
const script = (checkout: string, name: string) => {
  const path = `${checkout}/bench/.build/bench/${name}.js`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run node_modules/.bin/tsc -p bench/tsconfig.json in ${checkout}`);
  return path;
};

interface Proc {
  child: ChildProcess;
  lines: Interface;
  pid: number;
  next(): Promise<string>;
  first: Record<string, number>;
}
async function start(bin: string, args: string[]): Promise<Proc> {
  // No WS_NO_BUFFER_UTIL from here: the caller's environment decides, as the bench's rows do.
  const child = spawn(bin, args, { stdio: ["pipe", "pipe", "inherit"], cwd: here });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => (waiting.length ? waiting.shift()!(line) : queue.push(line)));
  const next = () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<string>((r) => waiting.push(r)));
  const first = JSON.parse(await next()) as Record<string, number>;
  return { child, lines, pid: first["pid"]!, next, first };
}

interface Sample {
  requests: number;
  server: number;
  client: number;
  /** The server's minor page faults per request (fresh memory touched: a heap that grows and is handed back). */
  faults: number;
}
async function round(server: Proc, client: Proc): Promise<Sample> {
  const serverBefore = cpuNs(server.pid);
  const clientBefore = cpuNs(client.pid);
  const faultsBefore = minorFaults(server.pid);
  client.child.stdin!.write(`${ms}\n`);
  const requests = Number(await client.next());
  return {
    requests,
    server: (cpuNs(server.pid) - serverBefore) / requests / 1000,
    client: (cpuNs(client.pid) - clientBefore) / requests / 1000,
    faults: (minorFaults(server.pid) - faultsBefore) / requests,
  };
}


/** The end under test is the arm's: its ratios are the headline; the other end's follow. */
const measured = side === "server" ? "server" : side === "client" ? "client" : "both";
const ratios = { server: [] as number[], client: [] as number[], both: [] as number[], rate: [] as number[] };
const perArm: Record<string, { server: number[]; client: number[]; rate: number[]; faults: number[] }> = {
  A: { server: [], client: [], rate: [], faults: [] },
  B: { server: [], client: [], rate: [], faults: [] },
};
const blockMedians: number[] = [];
const loads: number[] = [];
const clientOf = process.env["AB_CLIENT"] ?? (side === "both" ? "ipc" : "decode");
const fixed = side === "server" ? `client ${clientOf}` : side === "both" ? `the arm's client ${clientOf}` : `server ${process.env["AB_SERVER"] ?? "ref"}`;
console.log(
  `${arms[0]!.node === arms[1]!.node ? node : `A on ${arms[0]!.node}, B on ${arms[1]!.node}`} (${side} side; ${fixed}), ${inflight} in flight, ${process.env["AB_PAYLOAD"] ?? "small"}, A = ${arms[0]!.checkout}:${arms[0]!.mode}${arms[0]!.client ? `:${arms[0]!.client}` : ""}, B = ${arms[1]!.checkout}:${arms[1]!.mode}${arms[1]!.client ? `:${arms[1]!.client}` : ""}; ${blocks} blocks × ${pairs} pairs of ${ms} ms after ${warm} warm-up rounds per arm`,
);
for (let block = 0; block < blocks; block++) {
  loads.push(loadavg()[0]!);
  const order = block % 2 ? [...arms].reverse() : arms;
  const procs: Record<string, { server: Proc; client: Proc }> = {};
  for (const a of order) {
    const serverAt = side === "client" ? here : a.checkout;
    const serverMode = side === "client" ? (process.env["AB_SERVER"] ?? "ref") : a.mode;
    const server = await start(a.node, [script(serverAt, "node-ab-server"), serverMode]);
    const clientAt = side === "server" ? here : a.checkout;
    const clientKind = side === "client" ? a.mode : side === "both" ? (a.client ?? clientOf) : clientOf;
    const client = await start(a.node, [script(clientAt, "node-ab-client"), String(server.first["port"]), clientKind, String(inflight)]);
    procs[a.name] = { server, client };
  }
  for (let w = 0; w < warm; w++) for (const a of order) await round(procs[a.name]!.server, procs[a.name]!.client);
  const blockRatios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const samples: Record<string, Sample> = {};
    for (const a of pair % 2 ? [...order].reverse() : order) samples[a.name] = await round(procs[a.name]!.server, procs[a.name]!.client);
    const [a, b] = [samples["A"]!, samples["B"]!];
    ratios.server.push(b.server / a.server);
    ratios.client.push(b.client / a.client);
    ratios.both.push((b.server + b.client) / (a.server + a.client));
    ratios.rate.push(b.requests / a.requests);
    blockRatios.push(measured === "both" ? (b.server + b.client) / (a.server + a.client) : b[measured] / a[measured]);
    for (const [name, s] of Object.entries(samples)) {
      perArm[name]!.server.push(s.server);
      perArm[name]!.client.push(s.client);
      perArm[name]!.rate.push((s.requests / ms) * 1000);
      perArm[name]!.faults.push(s.faults);
    }
    console.log(
      `block ${block + 1} pair ${pair + 1}: server µs/req A ${a.server.toFixed(1)} B ${b.server.toFixed(1)}; client A ${a.client.toFixed(1)} B ${b.client.toFixed(1)}; req/s A ${((a.requests / ms) * 1000).toFixed(0)} B ${((b.requests / ms) * 1000).toFixed(0)}`,
    );
  }
  blockMedians.push(median(blockRatios));
  for (const { server, client } of Object.values(procs)) {
    client.child.stdin!.end();
    server.child.stdin!.end();
    await Promise.all([new Promise((r) => client.child.once("exit", r)), new Promise((r) => server.child.once("exit", r))]);
  }
}
loads.push(loadavg()[0]!);
const less = ratios[measured].filter((r) => r < 1).length;
console.log(`\nload ${median(loads).toFixed(1)} (${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}), ${ratios.server.length} pairs`);
console.log(`${measured} CPU per request B ÷ A: ${spread(ratios[measured])}; pairs less ${less} of ${ratios[measured].length}; block medians ${blockMedians.map((m) => m.toFixed(2)).join(", ")}`);
console.log(`server ÷: ${spread(ratios.server)}; client ÷: ${spread(ratios.client)}; both ends ÷: ${spread(ratios.both)}; rate ÷: ${spread(ratios.rate)}, ${ratios.rate.filter((r) => r > 1).length} of ${ratios.rate.length} higher`);
for (const name of ["A", "B"]) {
  const p = perArm[name]!;
  console.log(`${name}: server µs/req ${spread(p.server)}; client ${spread(p.client)}; req/s ${spread(p.rate)}; server page faults/req ${spread(p.faults)}`);
}
