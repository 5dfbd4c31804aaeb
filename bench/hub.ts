/**
 * The hub bench (standalone: `node --import tsx bench/hub.ts [--kills N] [--members N]`):
 *
 * (a) Failover: members of one runtime share a hub port; the leader is SIGKILLed and the clock
 *     runs until a surviving member's service answers through the hub's URL again (the first
 *     one; and until all of them do). ≥ 10 kills per runtime, p50/p95, beside a model of
 *     grest-ts's resilient client (bench/_grestResilient.ts). Target: p95 ≤ 100 ms.
 * (b) Proxying through the registry with 1,000 registered prefixes against 1 (autocannon
 *     against one hub whose registry is switched between the two, alternating rounds).
 *     Target: ≤ 1.1×.
 *
 * Prints the tables and writes bench/hub-results.json and bench/hub-results.md (the tables, which
 * `npm run bench` appends to BENCHMARKS.md).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/fixtures/_freePort.ts";

type Runtime = "node" | "bun" | "deno";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = `${ROOT}node_modules/.bin`;
const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>) => Promise<any>;

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const KILLS = arg("kills", 12);
const MEMBERS = arg("members", 3);
const ALL_BACK_LIMIT_MS = 3000;
const SETTLE_MS = 500;
/** Ports the first member of a failover run may be started on (see firstMember). */
const PORT_TRIES = 3;

// --- processes ------------------------------------------------------------------------------

interface Proc {
  name: string;
  proc: ChildProcessWithoutNullStreams;
  role: string;
  joined: Promise<void>;
  stderr: () => string;
}

function command(runtime: Runtime, script: string): [string, string[]] {
  if (runtime === "bun") return [`${BIN}/bun`, [script]];
  if (runtime === "deno") return [`${BIN}/deno`, ["run", "-A", "--quiet", script]];
  return [process.execPath, ["--import", "tsx", script]];
}

function startMember(runtime: Runtime, model: "crossipc" | "grest", port: number, name: string): Proc {
  const [cmd, argv] = command(runtime, "bench/_hubMember.ts");
  const proc = spawn(cmd, [...argv, "--port", String(port), "--name", name, "--model", model], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  let stderr = "";
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const member: Proc = { name, proc, role: "?", joined: Promise.resolve(), stderr: () => stderr };
  member.joined = new Promise((resolve, reject) => {
    let buffer = "";
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const line = JSON.parse(buffer.slice(0, newline)) as { role?: string; joined?: boolean };
        buffer = buffer.slice(newline + 1);
        if (line.role) member.role = line.role;
        if (line.joined) resolve();
      }
    });
    proc.on("exit", (code) => reject(new Error(`${name} exited (${code}) before joining: ${stderr}`)));
  });
  member.joined.catch(() => undefined);
  return member;
}

/**
 * The first member of a failover run, on a port found free (below the ephemeral range, see
 * freePort). Found free is not held: the member binds it a second or more later, after its
 * runtime started, and another program on the machine may bind it meanwhile; the member then can
 * neither run nor reach a hub there (its joinHub error says what it met) and a fresh port is tried,
 * at most PORT_TRIES in all. Any other failure to join is the bench's error at once.
 */
async function firstMember(runtime: Runtime, model: "crossipc" | "grest", label: string): Promise<{ port: number; member: Proc }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const member = startMember(runtime, model, port, "m0");
    try {
      await member.joined;
      return { port, member };
    } catch (error) {
      member.proc.kill("SIGKILL");
      const why = /HubError: (joinHub: could neither run nor reach a hub on port \d+ .*)/.exec(member.stderr())?.[1];
      if (!why || attempt === PORT_TRIES) throw error;
      process.stdout.write(`  ${label}: m0 could not join on port ${port}, trying another port: ${why}\n`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the ms (from `t0`) at which `/NAME/` answered 200 through the hub, or undefined past `limit`. */
async function answeredAt(port: number, name: string, t0: number, limit: number): Promise<number | undefined> {
  for (;;) {
    if (performance.now() - t0 > limit) return undefined;
    if ((await probe(port, `/${name}/probe`)) === 200) return performance.now() - t0;
    await sleep(2);
  }
}

/**
 * One GET on a fresh connection (node:http, no agent): far less CPU than `fetch` on Node 20,
 * and the probes share the machine with the members whose failover they time.
 */
function probe(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: 500 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", () => resolve(0));
    request.on("timeout", () => (request.destroy(), resolve(0)));
  });
}

// --- (a) failover -----------------------------------------------------------------------------

interface FailoverResult {
  label: string;
  kills: number;
  firstP50: number;
  firstP95: number;
  allP50: number | null;
  allP95: number | null;
  /** Survivors' services that had not answered within 3 s, summed over the kills. */
  lost: number;
  survivors: number;
}

async function failover(runtime: Runtime, model: "crossipc" | "grest"): Promise<FailoverResult> {
  const label = model === "grest" ? `grest-ts resilient client model (${runtime})` : `crossipc joinHub (${runtime})`;
  const { port, member: m0 } = await firstMember(runtime, model, label);
  let counter = 1;
  const members: Proc[] = [];
  const add = async (member = startMember(runtime, model, port, `m${counter++}`)) => {
    members.push(member);
    await member.joined;
    // Its service is reachable before the next kill (grest's model: only via the leader's registry).
    if ((await answeredAt(port, member.name, performance.now(), 10_000)) === undefined && model === "crossipc") {
      throw new Error(`${member.name} not reachable after joining`);
    }
  };
  await add(m0);
  for (let i = 1; i < MEMBERS; i++) await add();
  const first: number[] = [];
  const all: number[] = [];
  let lost = 0;
  let survivorsTotal = 0;
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      const deadline = Date.now() + 10_000;
      while (members.filter((m) => m.role === "leader").length !== 1) {
        if (Date.now() > deadline) throw new Error(`${label}: no single leader: ${members.map((m) => `${m.name}=${m.role}`).join(" ")}`);
        await sleep(5);
      }
      // Let the member started after the previous kill finish its start-up work (JIT, GC), so the
      // clock measures the failover and not a neighbour's warm-up.
      await sleep(SETTLE_MS);
      const leader = members.find((m) => m.role === "leader")!;
      const survivors = members.filter((m) => m !== leader);
      // Settle: every survivor's service answers before the kill (else the clock would measure the last one).
      for (const s of survivors) await answeredAt(port, s.name, performance.now(), model === "grest" ? 200 : 10_000);
      const exited = new Promise((resolve) => leader.proc.once("exit", resolve));
      const t0 = performance.now();
      leader.proc.kill("SIGKILL");
      const times = await Promise.all(survivors.map((s) => answeredAt(port, s.name, t0, ALL_BACK_LIMIT_MS)));
      await exited;
      members.splice(members.indexOf(leader), 1);
      const answered = times.filter((t): t is number => t !== undefined);
      survivorsTotal += survivors.length;
      lost += times.length - answered.length;
      if (answered.length) first.push(Math.min(...answered));
      if (answered.length === times.length) all.push(Math.max(...answered));
      process.stdout.write(`  ${label} kill ${kill + 1}: first ${fmt(Math.min(...answered))} ms, ${answered.length}/${times.length} back\n`);
      await add();
    }
  } finally {
    for (const m of members) m.proc.kill("SIGKILL");
  }
  return {
    label,
    kills: KILLS,
    firstP50: percentile(first, 50),
    firstP95: percentile(first, 95),
    allP50: all.length ? percentile(all, 50) : null,
    allP95: all.length ? percentile(all, 95) : null,
    lost,
    survivors: survivorsTotal,
  };
}

// --- (b) proxy with 1,000 prefixes vs 1 ----------------------------------------------------------

interface ProxyResult {
  /** Median req/s of the rounds. */
  one: number;
  many: number;
  /** Median CPU time of the hub process per proxied request, µs. */
  oneCpuUs: number;
  manyCpuUs: number;
  /** Time per request with 1,000 prefixes over time with 1 (from req/s), and the same from CPU per request. */
  ratio: number;
  cpuRatio: number;
  rounds: Array<{ one: number; many: number; oneCpuUs: number; manyCpuUs: number }>;
  lookupNs: Record<string, number>;
}

async function proxyPrefixes(): Promise<ProxyResult> {
  const host = spawn(process.execPath, ["--import", "tsx", "bench/_hubProxyHost.ts"], { cwd: ROOT });
  let stderr = "";
  host.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const lines: Array<(line: any) => void> = [];
  let buffer = "";
  host.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<any>((resolve) => lines.push(resolve));
  host.once("exit", (code) => code && console.error(`proxy host exited (${code}): ${stderr}`));
  const { port, lookup } = (await nextLine()) as { port: number; lookup: Record<string, number> };
  const ask = async (command: string) => {
    const answer = nextLine();
    host.stdin.write(`${command}\n`);
    return answer;
  };
  const cpu = async () => ((await ask("cpu")) as { cpu: number }).cpu;
  /** Switches the hub's registry to 1 or 1,000 prefixes, then loads it. */
  const measure = async (mode: "one" | "many", duration: number) => {
    const { routes } = (await ask(mode)) as { routes: number };
    if (routes !== (mode === "one" ? 1 : 1000)) throw new Error(`proxy bench: ${routes} routes in mode ${mode}`);
    const before = await cpu();
    const result = await autocannon({ url: `http://127.0.0.1:${port}/api/target/items/42`, connections: 10, duration });
    const cpuUs = (await cpu()) - before;
    if (result.non2xx || result.errors) throw new Error(`proxy bench: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rate: result.requests.average as number, cpuUs: cpuUs / result.requests.total };
  };
  await measure("one", 1);
  await measure("many", 1);
  const rounds: ProxyResult["rounds"] = [];
  for (let round = 0; round < 6; round++) {
    // Alternate the order so drift of the machine does not favour one side.
    const order: Array<"one" | "many"> = round % 2 ? ["many", "one"] : ["one", "many"];
    const a = await measure(order[0]!, 2);
    const b = await measure(order[1]!, 2);
    const [one, many] = round % 2 ? [b, a] : [a, b];
    rounds.push({ one: one.rate, many: many.rate, oneCpuUs: one.cpuUs, manyCpuUs: many.cpuUs });
    process.stdout.write(
      `  proxy round ${round + 1}: 1 prefix ${Math.round(one.rate)} req/s (${one.cpuUs.toFixed(0)} µs CPU), 1,000 prefixes ${Math.round(many.rate)} req/s (${many.cpuUs.toFixed(0)} µs CPU)\n`,
    );
  }
  host.stdin.end();
  host.kill();
  const one = median(rounds.map((r) => r.one));
  const many = median(rounds.map((r) => r.many));
  const oneCpuUs = median(rounds.map((r) => r.oneCpuUs));
  const manyCpuUs = median(rounds.map((r) => r.manyCpuUs));
  return { one, many, oneCpuUs, manyCpuUs, ratio: one / many, cpuRatio: manyCpuUs / oneCpuUs, rounds, lookupNs: lookup };
}

// --- report ----------------------------------------------------------------------------------------

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function fmt(n: number | null): string {
  return n === null || Number.isNaN(n) ? "-" : n.toFixed(1);
}

const started = new Date().toISOString();
const loadBefore = loadavg();
console.log(`hub bench: ${KILLS} kills per runtime, ${MEMBERS} members each; ${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(" ")}`);
const failovers: FailoverResult[] = [];
for (const [runtime, model] of [["node", "crossipc"], ["bun", "crossipc"], ["deno", "crossipc"], ["node", "grest"]] as const) {
  failovers.push(await failover(runtime, model));
}
console.log("proxying through the registry: 1 prefix vs 1,000");
const proxy = await proxyPrefixes();

/** The tables go to stdout and to bench/hub-results.md, which `npm run bench` adds to BENCHMARKS.md. */
const markdown: string[] = [];
const report = (line: string) => {
  console.log(line);
  markdown.push(line);
};
report(`Run ${started}: ${KILLS} kills per runtime, ${MEMBERS} members each; ${cpus().length} cores, load average before ${loadBefore.map((l) => l.toFixed(1)).join(" ")}.`);
report("\n(a) failover: leader SIGKILLed -> a surviving member's service answers through the hub again (ms)");
report("| members | kills | first answer p50 | p95 | all survivors back p50 | p95 | survivors not back within 3 s | target p95 <= 100 |");
report("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const f of failovers) {
  const met = f.label.startsWith("crossipc") ? (f.firstP95 <= 100 ? "met" : "MISSED") : "(reference)";
  report(`| ${f.label} | ${f.kills} | ${fmt(f.firstP50)} | ${fmt(f.firstP95)} | ${fmt(f.allP50)} | ${fmt(f.allP95)} | ${f.lost} of ${f.survivors} | ${met} |`);
}
report("\n(b) proxying with 1,000 registered prefixes vs 1 (node hub, autocannon, 10 connections, median of 6 × 2 s)");
report("| prefixes | req/s | hub CPU per request (µs) | lookup alone (ns) |");
report("| --- | --- | --- | --- |");
report(`| 1 | ${Math.round(proxy.one)} | ${proxy.oneCpuUs.toFixed(1)} | ${proxy.lookupNs.one!.toFixed(0)} |`);
report(`| 1,000 | ${Math.round(proxy.many)} | ${proxy.manyCpuUs.toFixed(1)} | ${proxy.lookupNs.many!.toFixed(0)} |`);
const verdict = (ratio: number) => `${ratio.toFixed(3)}x (target <= 1.1x: ${ratio <= 1.1 ? "met" : "MISSED"})`;
report(`cost ratio 1,000 / 1, from req/s: ${verdict(proxy.ratio)}; from hub CPU per request: ${verdict(proxy.cpuRatio)}`);

report(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(" ")} (failover times include waiting for a core on a busy machine)`);
writeFileSync(new URL("hub-results.md", import.meta.url), markdown.join("\n") + "\n");
writeFileSync(
  new URL("hub-results.json", import.meta.url),
  JSON.stringify({ started, cores: cpus().length, loadavg: { before: loadBefore, after: loadavg() }, kills: KILLS, members: MEMBERS, failover: failovers, proxy }, null, 2) + "\n",
);
console.log("\nwritten: bench/hub-results.json");
