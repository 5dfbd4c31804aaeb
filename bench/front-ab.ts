/**
 * A/B of two Bun or Deno hubs at one request in flight (bench/ANALYSIS.md, "How the A/B was
 * measured"): per arm one hub (its checkout's bench/bun-front-hub.ts or deno-front-hub.ts) and
 * one client (that checkout's bench/front-ab-client.ts, copied in where missing), each its own process;
 * the arms run in alternating rounds (which goes first alternates too), `AB_PAIRS` pairs per
 * block, fresh processes for every block (a process pair's luck — JIT, which core — otherwise
 * favours one arm for the whole run). CPU is every thread's time on a CPU, from
 * /proc/<pid>/task/*\/schedstat, per request; ratios B ÷ A are taken per pair.
 *   AB_RUNTIME=bun|deno AB_A=<checkout>[:mode] AB_B=<checkout>[:mode] npx tsx bench/front-ab.ts
 * mode: the hub script's argument (Bun: unix|tcp|direct, default unix; Deno: front|direct,
 * default front). AB_BLOCKS (4), AB_PAIRS (5), AB_MS per round (800), AB_INFLIGHT (1), AB_PAYLOAD
 * (small, or 64k: the rpc cases' 64 KiB text), AB_WARM (rounds per arm at AB_INFLIGHT before a
 * block's pairs, not counted: 2 at 64 KiB × more than 1 in flight, else 0).
 * An A/A (the same checkout as both arms) shows the floor of what a run can resolve.
 * Each pair also gives each hub's minor page faults per request: at 64 KiB × 64 a Deno hub before
 * bdfce26 faulted ~5–12 times per request for its first seconds (its malloc heap growing), and some
 * stayed so for good (glibc handing the heap's top back after each collection); CPU per request
 * followed the faults, from ~70 to over 400 µs (bench/ANALYSIS.md, "Session 21 — Deno at 64 KiB,
 * the swing"). The summary
 * gives the ratio over the pairs where neither hub faulted once per request as well, and how many
 * rounds each arm spent faulting: a change that makes the faulting mode likelier shows there.
 * AB_GLIBC_TUNABLES=<value> starts both hubs with it as GLIBC_TUNABLES (e.g.
 * `glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=1048576`, no trimming): the
 * faulting mode is then gone from both arms, so an A/B resolves smaller steps, but it measures a
 * process no user runs, and cannot see a change that makes the mode likelier (run without it too).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { cpuNs, minorFaults } from "./_threadCpu.ts";
import { median, quantile, spread } from "./_abStats.ts";

const runtime = process.env["AB_RUNTIME"] ?? "bun";
const blocks = Number(process.env["AB_BLOCKS"] ?? 4);
const pairs = Number(process.env["AB_PAIRS"] ?? 5);
const ms = Number(process.env["AB_MS"] ?? 800);
const inflight = Number(process.env["AB_INFLIGHT"] ?? 1);
const warm = Number(process.env["AB_WARM"] ?? (process.env["AB_PAYLOAD"] === "64k" && inflight > 1 ? 2 : 0));
/** Page faults per request at which a round counts as faulting (the quiet mode sits at 0–0.3). */
const FAULTING = 1;
const tunables = process.env["AB_GLIBC_TUNABLES"];
const hubEnv = tunables ? { ...process.env, GLIBC_TUNABLES: tunables } : process.env;
const here = resolve(import.meta.dirname, "..");
const bin = (name: string) => resolve(here, "node_modules/.bin", name);

interface Arm {
  name: string;
  checkout: string;
  mode: string;
}
function arm(name: string, spec: string): Arm {
  const [checkout, mode] = spec.split(":");
  return { name, checkout: resolve(checkout!), mode: mode ?? (runtime === "bun" ? "unix" : "front") };
}
const arms = [arm("A", process.env["AB_A"] ?? here), arm("B", process.env["AB_B"] ?? here)];

interface Proc {
  child: ChildProcess;
  lines: Interface;
  pid: number;
  next(): Promise<string>;
}
async function start(command: string[], env: NodeJS.ProcessEnv = process.env): Promise<Proc & { first: Record<string, number> }> {
  const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"], cwd: here, env });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => (waiting.length ? waiting.shift()!(line) : queue.push(line)));
  const next = () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<string>((r) => waiting.push(r)));
  const first = JSON.parse(await next()) as Record<string, number>;
  return { child, lines, pid: first["pid"]!, next, first };
}

function runtimeCommand(script: string, args: string[]): string[] {
  return runtime === "bun" ? [bin("bun"), script, ...args] : [bin("deno"), "run", "-A", "--quiet", script, ...args];
}

interface Sample {
  requests: number;
  hub: number;
  client: number;
  /** The hub's minor page faults per request. */
  faults: number;
}
async function round(hub: Proc, client: Proc): Promise<Sample> {
  const hubBefore = cpuNs(hub.pid);
  const clientBefore = cpuNs(client.pid);
  const faultsBefore = minorFaults(hub.pid);
  client.child.stdin!.write(`${ms}\n`);
  const requests = Number(await client.next());
  return {
    requests,
    hub: (cpuNs(hub.pid) - hubBefore) / requests / 1000,
    client: (cpuNs(client.pid) - clientBefore) / requests / 1000,
    faults: (minorFaults(hub.pid) - faultsBefore) / requests,
  };
}


const ratios = { hub: [] as number[], client: [] as number[], both: [] as number[], rate: [] as number[] };
const perArm: Record<string, { hub: number[]; client: number[] }> = { A: { hub: [], client: [] }, B: { hub: [], client: [] } };
const blockMedians: number[] = [];
/** Hub ratios of the pairs where neither hub was faulting, and the rounds each arm spent faulting. */
const quietRatios: number[] = [];
const faultingRounds: Record<string, number> = { A: 0, B: 0 };
const loads: number[] = [];
console.log(`${runtime}, ${inflight} in flight, A = ${arms[0]!.checkout}:${arms[0]!.mode}, B = ${arms[1]!.checkout}:${arms[1]!.mode}; ${blocks} blocks × ${pairs} pairs of ${ms} ms, ${warm} warm-up rounds per arm and block${tunables ? `; hubs with GLIBC_TUNABLES=${tunables}` : ""}`);
for (let block = 0; block < blocks; block++) {
  loads.push(loadavg()[0]!);
  const order = block % 2 ? [...arms].reverse() : arms;
  const procs: Record<string, { hub: Proc; client: Proc }> = {};
  for (const a of order) {
    const hub = await start(runtimeCommand(`${a.checkout}/bench/${runtime}-front-hub.ts`, [a.mode]), hubEnv);
    const client = await start(runtimeCommand(`${a.checkout}/bench/front-ab-client.ts`, [String(hub.first["port"]), String(inflight)]));
    procs[a.name] = { hub, client };
  }
  // A fresh hub's first seconds at 64 KiB × 64 are its heap growing: not what either arm's code costs.
  for (let w = 0; w < warm; w++) for (const a of order) await round(procs[a.name]!.hub, procs[a.name]!.client);
  const blockRatios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const samples: Record<string, Sample> = {};
    for (const a of pair % 2 ? [...order].reverse() : order) samples[a.name] = await round(procs[a.name]!.hub, procs[a.name]!.client);
    const [a, b] = [samples["A"]!, samples["B"]!];
    ratios.hub.push(b.hub / a.hub);
    ratios.client.push(b.client / a.client);
    ratios.both.push((b.hub + b.client) / (a.hub + a.client));
    ratios.rate.push(b.requests / a.requests);
    blockRatios.push(b.hub / a.hub);
    if (a.faults < FAULTING && b.faults < FAULTING) quietRatios.push(b.hub / a.hub);
    for (const [name, s] of Object.entries(samples)) {
      perArm[name]!.hub.push(s.hub);
      perArm[name]!.client.push(s.client);
      if (s.faults >= FAULTING) faultingRounds[name]!++;
    }
    console.log(`block ${block + 1} pair ${pair + 1}: hub µs/req A ${a.hub.toFixed(1)} B ${b.hub.toFixed(1)} (${(b.hub / a.hub).toFixed(3)}); client A ${a.client.toFixed(1)} B ${b.client.toFixed(1)}; req/s A ${((a.requests / ms) * 1000).toFixed(0)} B ${((b.requests / ms) * 1000).toFixed(0)}; hub faults/req A ${a.faults.toFixed(2)} B ${b.faults.toFixed(2)}`);
  }
  blockMedians.push(median(blockRatios));
  for (const { hub, client } of Object.values(procs)) {
    client.child.stdin!.end();
    hub.child.stdin!.end();
    await Promise.all([new Promise((r) => client.child.once("exit", r)), new Promise((r) => hub.child.once("exit", r))]);
  }
}
loads.push(loadavg()[0]!);
const less = ratios.hub.filter((r) => r < 1).length;
console.log(`\nload ${median(loads).toFixed(1)} (${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}), ${ratios.hub.length} pairs`);
console.log(`hub CPU per request B ÷ A: ${spread(ratios.hub)}; pairs less ${less} of ${ratios.hub.length}; block medians ${blockMedians.map((m) => m.toFixed(2)).join(", ")}`);
console.log(`client ÷: ${spread(ratios.client)}; both ends ÷: ${spread(ratios.both)}; rate ÷: ${spread(ratios.rate)}`);
console.log(
  `rounds with the hub faulting (≥ ${FAULTING} page fault per request): A ${faultingRounds["A"]} B ${faultingRounds["B"]} of ${ratios.hub.length}; ` +
    (quietRatios.length ? `hub ÷ over the ${quietRatios.length} pairs with neither faulting: ${spread(quietRatios)}, ${quietRatios.filter((r) => r < 1).length} less` : "no pair with neither faulting"),
);
console.log(`hub µs/req median A ${median(perArm["A"]!.hub).toFixed(1)} B ${median(perArm["B"]!.hub).toFixed(1)}; client A ${median(perArm["A"]!.client).toFixed(1)} B ${median(perArm["B"]!.client).toFixed(1)}`);
