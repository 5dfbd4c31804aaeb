/**
 * What a remote mock costs a Bun, Deno or Node hub against its own intercept route
 * (bench/ANALYSIS.md, "Session 6 — remote mocks"), in alternating rounds of one run: autocannon,
 * 50 keep-alive connections on `GET /users/42`, requests/s and the hub's CPU per request
 * (user + system from /proc: the front's copying and `Deno.serve` alike).
 *   npx tsx bench/mocks-relay.ts [rounds=5] [seconds=3]
 * MOCKS_RELAY_HUBS picks the hubs (default `deno,bun`; `deno-direct` is a Deno hub without its
 * TCP front; `node` a Node hub). With MOCKS_RELAY_BASE=<another checkout> each hub also runs from that checkout
 * ("…@base"), so a change is measured against the code before it in the same rounds.
 * MOCKS_RELAY_CASE=scopes measures a scoped request to its mock instead, with 1,000 scopes × 10
 * rules on the hub ("remote") against 1 scope × 10 rules ("local"), as bench/cases/mocks.ts does.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<any>;
const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);
const base = process.env["MOCKS_RELAY_BASE"];
const kinds = (process.env["MOCKS_RELAY_HUBS"] ?? "deno,bun").split(",");
const scopes = process.env["MOCKS_RELAY_CASE"] === "scopes";
const path = scopes ? "/scoped/r0/42" : "/users/42";
const headers = scopes ? { "x-crossipc-scope": "bench-scope-0" } : {};

interface Hub { name: string; local: number; remote: number; pid: number; stop(): void }

async function hub(kind: string, root: string, tag: string): Promise<Hub> {
  const script = `${root}/bench/mocks-relay-hub.ts`;
  const [command, args] = kind.startsWith("deno")
    ? ["node_modules/.bin/deno", ["run", "-A", "--quiet", script, kind === "deno-direct" ? "direct" : "front", scopes ? "scopes" : ""]]
    : kind === "node"
      ? [process.execPath, ["--import", "tsx", script, "-", scopes ? "scopes" : ""]]
      : ["node_modules/.bin/bun", [script, "-", scopes ? "scopes" : ""]];
  // `deno+X`: a Deno hub with FRONT_FLUSH=X (a side experiment's switch).
  const env = kind.includes("+") ? { ...process.env, FRONT_FLUSH: kind.split("+")[1] } : process.env;
  const child = spawn(command, args as string[], { stdio: ["pipe", "pipe", "inherit"], env });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  const ports = JSON.parse(line) as { local: number; remote: number; pid: number };
  return { name: `${kind}${tag}`, ...ports, stop: () => child.stdin!.end() };
}

/** User + system CPU seconds of a process so far (Linux). */
function cpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let mockerPid = 0;
async function measure(port: number, pid: number) {
  const before = cpu(pid);
  const mockerBefore = cpu(mockerPid);
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, headers, connections: 50, duration: seconds });
  const count = result.requests.total as number;
  return { rate: count / result.duration, cpuPer1k: ((cpu(pid) - before) / count) * 1000, mockerPer1k: ((cpu(mockerPid) - mockerBefore) / count) * 1000, p50: result.latency.p50 as number, bad: result.non2xx + result.errors };
}

const hubs: Hub[] = [];
for (const kind of kinds) {
  hubs.push(await hub(kind, ".", ""));
  if (base) hubs.push(await hub(kind, base, "@base"));
}
const mocker = spawn("node", ["--import", "tsx", "bench/mocks-relay-mocker.ts", ...(scopes ? ["--scopes", ...hubs.flatMap((h) => [String(h.local), String(h.remote)])] : hubs.map((h) => String(h.remote)))], { stdio: ["pipe", "pipe", "inherit"] });
await new Promise<string>((resolve) => createInterface({ input: mocker.stdout! }).once("line", resolve));
mockerPid = mocker.pid!;

// Warm both arms of every hub (JIT, connection pools) before anything counts.
for (const h of hubs) for (const arm of ["local", "remote"] as const) await autocannon({ url: `http://127.0.0.1:${h[arm]}${path}`, headers, connections: 50, duration: 1 });

type Row = { rate: number; cpuPer1k: number; mockerPer1k: number; p50: number };
const results: Record<string, Row[]> = {};
for (let round = 0; round < rounds; round++) {
  const order = round % 2 ? [...hubs].reverse() : hubs;
  for (const h of order) {
    for (const arm of round % 2 ? (["remote", "local"] as const) : (["local", "remote"] as const)) {
      const r = await measure(h[arm], h.pid);
      (results[`${h.name} ${arm}`] ??= []).push(r);
      console.log(`round ${round + 1} ${h.name} ${arm}: ${r.rate.toFixed(0)}/s, ${r.cpuPer1k.toFixed(3)} CPU s per 1k (mocker ${r.mockerPer1k.toFixed(3)}), p50 ${r.p50} ms${r.bad ? `, ${r.bad} bad` : ""}`);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
console.log("\n| hub | local /s | remote /s | remote ÷ local (rate), per-round median (min–max) | remote ÷ local (hub CPU/req) | hub CPU µs/req local → remote | mocker CPU µs/req | p50 local → remote (ms) |\n|---|---|---|---|---|---|---|---|");
for (const h of hubs) {
  const local = results[`${h.name} local`]!;
  const remote = results[`${h.name} remote`]!;
  const rate = remote.map((r, i) => r.rate / local[i]!.rate);
  const cpus = remote.map((r, i) => r.cpuPer1k / local[i]!.cpuPer1k);
  console.log(`| ${h.name} | ${median(local.map((r) => r.rate)).toFixed(0)} | ${median(remote.map((r) => r.rate)).toFixed(0)} | ${spread(rate)} | ${spread(cpus)} | ${(median(local.map((r) => r.cpuPer1k)) * 1000).toFixed(0)} → ${(median(remote.map((r) => r.cpuPer1k)) * 1000).toFixed(0)} | ${(median(remote.map((r) => r.mockerPer1k)) * 1000).toFixed(0)} | ${median(local.map((r) => r.p50))} → ${median(remote.map((r) => r.p50))} |`);
}
if (base) {
  console.log("\n| hub | remote CPU/req, this ÷ base, per round | median |\n|---|---|---|");
  for (const kind of kinds) {
    const now = results[`${kind} remote`]!;
    const was = results[`${kind}@base remote`]!;
    const ratios = now.map((r, i) => r.cpuPer1k / was[i]!.cpuPer1k);
    console.log(`| ${kind} | ${ratios.map((r) => r.toFixed(2)).join(", ")} | ${median(ratios).toFixed(2)} |`);
  }
}
mocker.stdin!.end();
for (const h of hubs) h.stop();
