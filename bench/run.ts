/**
 * `npm run bench`: starts every server and client itself on 127.0.0.1, measures each case in
 * interleaved rounds after a warm-up, takes medians and same-run ratios, profiles the cases
 * that miss their target, and writes BENCHMARKS.md and bench/ratios.svg.
 *
 * Knobs (environment): BENCH_ROUND_MS (400), BENCH_ROUNDS (9), BENCH_WARMUP_MS (200),
 * BENCH_CASES (comma list of case ids: rpc,s2c,ff,intercept,proxy,wsproxy,memory,cycle),
 * BENCH_RUNTIMES (node20,node24,bun,deno), BENCH_PROFILE (0 to skip profiling),
 * BENCH_NODE_OTHER (path of the second Node binary; default: found with `npx node@20|24`),
 * BENCH_BUFFERUTIL (a folder whose node_modules has `bufferutil`, for the with/without case),
 * BENCH_PROTOTYPES=1 (also measure the prototypes of changes crossipc has since adopted),
 * BENCH_HTTP_ROUND_MS / BENCH_HTTP_ROUNDS (autocannon rounds),
 * BENCH_OUT (where to write the report; default the repository root).
 * `--report-only` re-renders BENCHMARKS.md and the chart from bench/results.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Competitor, CompetitorResult, ProfileReport, RatioResult, Sample, Variant, VariantResult } from "./_model.ts";
import { killAll, Proc, type RuntimeSpec } from "./_proc.ts";
import { summariseProfile } from "./_profile.ts";
import { printTable, writeReport } from "./_report.ts";
import { median, percentile, sleep, type PayloadSize } from "./_rt.ts";

const SIZE_NAME: Record<PayloadSize, string> = { small: "~100 B", "64k": "64 KiB text", "64k-records": "64 KiB records" };

/** The repository root: this file runs as bench/run.ts (tsx) or compiled as bench/.build/bench/run.js. */
const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) || !existsSync(path.join(dir, "adapters"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root");
    dir = up;
  }
  return dir;
})();
/**
 * Node runs the bench compiled to JS (bench/run.sh compiles it): under tsx's require hook the
 * very same `ws` echo measured 25–35% slower, which would skew every Node number.
 */
const COMPILED = path.join(ROOT, "bench", ".build");
const nodeScript = (name: string) => (existsSync(path.join(COMPILED, "bench", `${name}.js`)) ? path.join(COMPILED, "bench", `${name}.js`) : path.join(ROOT, "bench", `${name}.ts`));
const nodeArgs = () => (existsSync(path.join(COMPILED, "bench", "host.js")) ? [] : ["--import", "tsx"]);
const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>) => Promise<any>;

const env = process.env;
/** WebSocket and lifecycle cases: many short rounds (1-in-flight numbers swing ±20% between seconds). */
const ROUND_MS = Number(env["BENCH_ROUND_MS"] ?? 400);
const ROUNDS = Number(env["BENCH_ROUNDS"] ?? 9);
const WARM_MS = Number(env["BENCH_WARMUP_MS"] ?? 200);
/** autocannon cases: its rate samples are per second, so whole-second rounds. */
const HTTP_ROUND_MS = Number(env["BENCH_HTTP_ROUND_MS"] ?? 1000);
const HTTP_ROUNDS = Number(env["BENCH_HTTP_ROUNDS"] ?? 6);
const CASES = new Set((env["BENCH_CASES"] ?? "rpc,s2c,ff,intercept,proxy,wsproxy,memory,cycle").split(","));
const WANTED = new Set((env["BENCH_RUNTIMES"] ?? "node20,node24,bun,deno").split(","));
const PROFILE = env["BENCH_PROFILE"] !== "0";
const OUT = env["BENCH_OUT"] ?? ROOT;
/**
 * The prototypes of changes that crossipc has since adopted (per-tick write batching, `ws` client
 * on Node 22+, buffered small proxy answers, TCP-piped WebSocket proxy): off by default, kept to
 * re-check the evidence with BENCH_PROTOTYPES=1.
 */
const PROTOTYPES = env["BENCH_PROTOTYPES"] === "1";
const IDLE_CLIENTS = 1000;
const HOST = "127.0.0.1";
const started = Date.now();

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

// --- runtimes ---------------------------------------------------------------------------------

const nodeMajor = Number(process.versions.node.split(".")[0]);
const nodeSpec = (name: string, command: string, extraEnv: Record<string, string> = {}): RuntimeSpec => ({
  name,
  command,
  args: nodeArgs(),
  gcArgs: ["--expose-gc"],
  script: nodeScript,
  // Without bufferutil unless a variant asks for it (ws would load it when installed).
  env: { WS_NO_BUFFER_UTIL: "1", ...extraEnv },
});

function findOtherNode(): { name: string; command: string } | undefined {
  const otherMajor = nodeMajor === 24 ? 20 : 24;
  const name = `node${otherMajor}`;
  if (env["BENCH_NODE_OTHER"]) return { name, command: env["BENCH_NODE_OTHER"] };
  try {
    const out = execFileSync("npx", ["-y", `node@${otherMajor}`, "-p", "process.execPath"], { encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "ignore"] });
    const command = out.trim().split("\n").pop()!;
    return existsSync(command) ? { name, command } : undefined;
  } catch {
    return undefined;
  }
}

const specs: RuntimeSpec[] = [];
const skipped: string[] = [];
const primary = nodeSpec(`node${nodeMajor}`, process.execPath);
specs.push(primary);
if (WANTED.has(nodeMajor === 24 ? "node20" : "node24")) {
  const other = findOtherNode();
  if (other) specs.push(nodeSpec(other.name, other.command));
  else skipped.push(`${nodeMajor === 24 ? "node20" : "node24"}: no binary (npx node@… failed and BENCH_NODE_OTHER unset)`);
}
for (const [name, bin, args, gcArgs] of [
  ["bun", "node_modules/.bin/bun", [], []],
  ["deno", "node_modules/.bin/deno", ["run", "-A"], ["--v8-flags=--expose-gc"]],
] as const) {
  if (!WANTED.has(name)) continue;
  const command = path.join(ROOT, bin);
  if (existsSync(command)) specs.push({ name, command, args: [...args], gcArgs: [...gcArgs], script: (n) => path.join(ROOT, "bench", `${n}.ts`) });
  else skipped.push(`${name}: ${bin} not found`);
}
specs.sort((a, b) => ["node20", "node24", "bun", "deno"].indexOf(a.name) - ["node20", "node24", "bun", "deno"].indexOf(b.name));
const isNode = (spec: RuntimeSpec) => spec.name.startsWith("node");
const others = () => specs.filter((s) => s !== primary);

/** `bufferutil`, when one can be found: the optional native addon of `ws`. */
function findBufferutil(): Record<string, string> | undefined {
  const dir = env["BENCH_BUFFERUTIL"];
  if (dir) {
    const modules = path.join(dir, "node_modules");
    return existsSync(path.join(modules, "bufferutil")) ? { NODE_PATH: modules } : undefined;
  }
  try {
    require.resolve("bufferutil");
    return {};
  } catch {
    return undefined;
  }
}
const bufferutilEnv = findBufferutil();
/** Prototype: crossipc's server with per-tick write batching (proto_batch.ts), on the primary Node. */
const batchSpec: RuntimeSpec = { ...primary, name: `${primary.name}+batch`, env: { ...primary.env, BENCH_BATCH: "1" } };
const bufferutilSpec: RuntimeSpec | undefined = bufferutilEnv && { ...primary, name: `${primary.name}+bufferutil`, env: bufferutilEnv };

// --- processes ----------------------------------------------------------------------------------

function scriptArgs(spec: RuntimeSpec, script: string, extra: string[], flags: string[] = []): string[] {
  return [...spec.args, ...flags, spec.script(script), ...extra];
}

function spawnHost(spec: RuntimeSpec, roles: string, backendUrl: string, flags: string[] = []): Proc {
  return new Proc(`host ${spec.name} (${roles})`, spec.command, scriptArgs(spec, "host", ["--roles", roles, "--backend", backendUrl], flags), { cwd: ROOT, env: spec.env });
}

function spawnDriver(spec: RuntimeSpec, flags: string[] = []): Proc {
  return new Proc(`driver ${spec.name}`, spec.command, scriptArgs(spec, "driver", [], flags), { cwd: ROOT, env: spec.env });
}

interface Side {
  spec: RuntimeSpec;
  host: Proc;
  driver: Proc;
  ports: Record<string, number>;
  version: string;
}

const log = (...args: unknown[]) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s]`, ...args);

// --- measuring ------------------------------------------------------------------------------------

async function measureVariant(variant: Variant): Promise<VariantResult> {
  log(`${variant.caseTitle} — ${variant.variant}`);
  const http = variant.client?.startsWith("autocannon");
  const roundMs = http ? HTTP_ROUND_MS : ROUND_MS;
  const roundCount = http ? HTTP_ROUNDS : ROUNDS;
  const rounds = new Map<string, Sample[]>();
  const interleaved = variant.competitors.filter((c) => !c.single);
  for (const c of variant.competitors) rounds.set(c.key, []);
  const safe = async (c: Competitor, ms: number): Promise<Sample> => {
    try {
      const procs = c.cpuOf === undefined ? [] : Array.isArray(c.cpuOf) ? c.cpuOf : [c.cpuOf];
      const cpu = async () => (await Promise.all(procs.map((p) => p.call("cpu") as Promise<number>))).reduce((a, b) => a + b, 0);
      const before = procs.length ? await cpu() : 0;
      const sample = await c.measure(ms);
      if (procs.length && sample.count) sample.cpuUs = ((await cpu()) - before) / sample.count;
      return sample;
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      log(`  ! ${c.label} (${c.runtime}) failed: ${message}`);
      return { value: NaN, note: message.slice(0, 160) };
    }
  };
  for (const c of variant.competitors.filter((c) => c.single)) rounds.get(c.key)!.push(await safe(c, roundMs));
  for (const c of interleaved) await safe(c, WARM_MS);
  for (let r = 0; r < roundCount; r++) {
    // Rotate the order so no competitor always runs first (or right after the heaviest one).
    const order = interleaved.map((_, i) => interleaved[(i + r) % interleaved.length]!);
    for (const c of order) rounds.get(c.key)!.push(await safe(c, roundMs));
  }
  const results: CompetitorResult[] = variant.competitors.map((c) => {
    const samples = rounds.get(c.key)!;
    const notes = [...new Set(samples.map((s) => s.note).filter((n): n is string => !!n))];
    return {
      key: c.key,
      label: c.label,
      runtime: c.runtime,
      group: c.group,
      rounds: samples,
      value: median(samples.map((s) => s.value)),
      p50: median(samples.map((s) => s.p50 ?? NaN)),
      p99: median(samples.map((s) => s.p99 ?? NaN)),
      cpuUs: median(samples.map((s) => s.cpuUs ?? NaN)),
      notes,
    };
  });
  const byKey = new Map(results.map((r) => [r.key, r]));
  const ratios: RatioResult[] = [];
  for (const spec of variant.ratios) {
    const of = byKey.get(spec.of);
    const to = byKey.get(spec.to);
    if (!of || !to) continue;
    // Paired by round: each round's ratio, then the median, so drift between rounds cancels.
    const paired = of.rounds.map((s, i) => s.value / (to.rounds[i]?.value ?? NaN));
    const ratio = median(paired);
    const finite = paired.filter((x) => Number.isFinite(x));
    const spread: [number, number] | undefined = finite.length >= 4 ? [percentile([...finite], 25), percentile([...finite], 75)] : undefined;
    const cpuPaired = of.rounds.map((s, i) => (s.cpuUs ?? NaN) / (to.rounds[i]?.cpuUs ?? NaN));
    const cpuRatio = median(cpuPaired);
    const met = spec.target && Number.isFinite(ratio) ? (spec.target.min === undefined || ratio >= spec.target.min) && (spec.target.max === undefined || ratio <= spec.target.max) : undefined;
    ratios.push({ caseId: variant.caseId, variant: variant.variant, of, to, ratio, spread, cpuRatio: Number.isFinite(cpuRatio) ? cpuRatio : undefined, target: spec.target, targetName: spec.targetName, met });
  }
  for (const budget of variant.budgets ?? []) {
    const of = byKey.get(budget.of);
    if (!of) continue;
    const ratio = of.value / budget.max;
    ratios.push({
      caseId: variant.caseId,
      variant: variant.variant,
      of,
      to: of,
      ratio,
      budget: budget.max,
      target: { max: 1 },
      targetName: budget.targetName,
      met: Number.isFinite(ratio) ? ratio <= 1 : undefined,
    });
  }
  for (const r of results) {
    const fmt = variant.unit === "req/s" || variant.unit === "msg/s" ? Math.round(r.value).toLocaleString("en-US") : r.value.toFixed(2);
    log(`  ${r.label.padEnd(34)} ${r.runtime.padEnd(17)} ${fmt.padStart(10)} ${variant.unit}`);
  }
  for (const r of ratios.filter((r) => r.target)) {
    log(`  → ${r.of.label} ${r.of.runtime}: ${r.ratio.toFixed(2)}× ${r.budget ? "of budget" : `of ${r.to.label} ${r.to.runtime}`} ${r.met ? "MET" : "MISSED"}`);
  }
  return { variant, results, ratios };
}

function fromLoad(result: { rate: number; count?: number; p50?: number; p99?: number }): Sample {
  return { value: result.rate, count: result.count, p50: result.p50, p99: result.p99 };
}

async function cannon(url: string, ms: number): Promise<Sample> {
  const warm = ms < 1000;
  const options: Record<string, unknown> = { url, connections: 50, pipelining: 1 };
  if (warm) options["amount"] = 3000;
  else options["duration"] = Math.max(1, Math.round(ms / 1000));
  const result = await autocannon(options);
  const done = result.requests.total as number;
  const bad = (result.non2xx as number) + (result.errors as number) + (result.timeouts as number);
  const sample: Sample = { value: done / result.duration, count: done, p50: result.latency.p50, p99: result.latency.p99 };
  if (bad > 0) sample.note = `${bad} of ${done + (result.errors as number)} requests failed or were not 2xx`;
  if (bad > done / 2) sample.value = NaN;
  return sample;
}

// --- main -------------------------------------------------------------------------------------------

/** What is measured: the commit (and whether src/ or adapters/ differ from it) when the run starts. */
const measuredCommit = (() => {
  try {
    const head = spawnSync("git", ["log", "-1", "--format=%h %s"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    const dirty = spawnSync("git", ["status", "--porcelain", "--", "src", "adapters"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    return `${head}${dirty ? " (plus uncommitted changes in src/ or adapters/)" : ""}`;
  } catch {
    return "?";
  }
})();

async function main(): Promise<void> {
  log(`runtimes: ${specs.map((s) => s.name).join(", ")}${skipped.length ? `; skipped: ${skipped.join("; ")}` : ""}`);
  log(`bufferutil: ${bufferutilSpec ? "found, measuring with and without" : "not installed (set BENCH_BUFFERUTIL to a folder with node_modules/bufferutil)"}`);
  const backend = new Proc("backend", primary.command, scriptArgs(primary, "backend", []), { cwd: ROOT, env: primary.env });
  const backendPort = (await backend.ready).ready.backend as number;
  const backendUrl = `http://${HOST}:${backendPort}`;

  const sides = new Map<string, Side>();
  const failed: string[] = [];
  const allSpecs = bufferutilSpec ? [...specs, bufferutilSpec] : specs;
  await Promise.all(
    allSpecs.map(async (spec) => {
      const roles = spec === bufferutilSpec ? "raw,orig,crossipc" : isNode(spec) ? `raw,orig,peer,crossipc,proto-intercept${PROTOTYPES ? ",proto-proxy,proto-wspipe" : ""}` : "raw,crossipc,proto-intercept";
      const host = spawnHost(spec, roles, backendUrl);
      const driver = spawnDriver(spec);
      try {
        const [h, d] = await Promise.all([host.ready, driver.ready]);
        sides.set(spec.name, { spec, host, driver, ports: h.ready, version: d.version });
      } catch (error) {
        failed.push(`${spec.name}: ${(error as Error).message.split("\n").slice(0, 6).join(" | ")}`);
        await Promise.all([host.stop(500), driver.stop(500)]);
      }
    }),
  );
  const batchHost = PROTOTYPES ? spawnHost(batchSpec, "crossipc", backendUrl) : undefined;
  const batchPort = await batchHost?.ready.then(
    (r) => r.ready["crossipc"] as number,
    (error) => {
      failed.push(`${batchSpec.name}: ${(error as Error).message.split("\n")[0]}`);
      return undefined;
    },
  );
  for (const f of failed) log(`! could not start ${f}`);
  const versions: Record<string, string> = {};
  for (const [name, side] of sides) versions[name] = side.version;
  const main = sides.get(primary.name)!;
  if (!main) throw new Error(`${primary.name} could not start: ${failed.join("\n")}`);
  const active = specs.filter((s) => sides.has(s.name));
  const nodes = active.filter(isNode);
  const bu = bufferutilSpec && sides.get(bufferutilSpec.name);
  const side = (spec: RuntimeSpec) => sides.get(spec.name)!;
  const callMs = (ms: number) => ms + 60_000;

  const all: VariantResult[] = [];
  const run = async (variant: Variant) => {
    const result = await measureVariant(variant);
    all.push(result);
    return result;
  };

  // Competitor builders.
  const rpcCompetitor = (s: Side, kind: string, group: Competitor["group"], label: string, inflight: number, size: string): Competitor => ({
    key: `${kind}:${s.spec.name}`,
    label,
    runtime: s.spec.name,
    group,
    cpuOf: [s.host, s.driver],
    measure: async (ms) => fromLoad(await s.driver.call("rpc", { kind, port: s.ports[kind === "crossipc-ws" ? "crossipc" : kind], inflight, size, ms }, callMs(ms))),
  });
  const rawLabel = (spec: RuntimeSpec) => (isNode(spec) ? "raw echo (ws + ws)" : spec.name === "bun" ? "raw echo (Bun.serve)" : "raw echo (Deno.upgradeWebSocket)");

  // 1. RPC client → server.
  if (CASES.has("rpc")) {
    const rpcVariants: Array<[PayloadSize, number]> = [
      ["small", 1],
      ["small", 64],
      ["64k", 1],
      ["64k", 64],
      ["64k-records", 64],
    ];
    for (const [size, inflight] of rpcVariants) {
      {
        const competitors: Competitor[] = [];
        const ratios: Variant["ratios"] = [];
        const target = size === "64k-records" ? undefined : size === "64k" ? 0.75 : inflight === 1 ? 0.95 : 0.85;
        const sideList = active.map(side);
        // With/without bufferutil where frames are large enough for it to matter.
        if (size === "64k" && bu) sideList.splice(1, 0, bu);
        // The Node ≥ 22 client on `ws` instead of the global WebSocket, where it told the most.
        const prototype = PROTOTYPES && (size === "64k" ? inflight === 64 : size === "small" && inflight === 64);
        for (const s of sideList) {
          const rt = s.spec.name;
          competitors.push(rpcCompetitor(s, "raw", "limit", rawLabel(s.spec), inflight, size));
          if (isNode(s.spec)) competitors.push(rpcCompetitor(s, "orig", "original", "original design", inflight, size));
          competitors.push(rpcCompetitor(s, "crossipc", "crossipc", "crossipc", inflight, size));
          ratios.push({ of: `crossipc:${rt}`, to: `raw:${rt}`, ...(target && !rt.includes("+") ? { target: { min: target }, targetName: `RPC ≥ ${target}× raw echo (${SIZE_NAME[size]}, ${inflight} in flight)` } : {}) });
          if (isNode(s.spec)) {
            ratios.push({ of: `orig:${rt}`, to: `raw:${rt}` });
            ratios.push({ of: `crossipc:${rt}`, to: `orig:${rt}` });
          }
          // On Node ≥ 22 the client gets the global (undici) WebSocket: also measure it on `ws`.
          if (prototype && isNode(s.spec) && s.spec.name !== "node20" && !s.spec.name.includes("+")) {
            competitors.push(rpcCompetitor(s, "crossipc-ws", "prototype", "crossipc, client on ws (prototype)", inflight, size));
            ratios.push({ of: `crossipc-ws:${rt}`, to: `raw:${rt}` });
          }
        }
        if (PROTOTYPES && batchPort && (size === "small" || (size === "64k" && inflight === 64))) {
          competitors.push({
            key: "batch",
            label: "prototype: crossipc + per-tick write batching",
            runtime: primary.name,
            group: "prototype",
            cpuOf: [batchHost!, main.driver],
            measure: async (ms) => fromLoad(await main.driver.call("rpc", { kind: "crossipc-batch", port: batchPort, inflight, size, ms }, callMs(ms))),
          });
          ratios.push({ of: "batch", to: `raw:${primary.name}` });
          ratios.push({ of: "batch", to: `crossipc:${primary.name}` });
        }
        await run({
          caseId: "rpc",
          caseTitle: "1. RPC round trip client → server",
          variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
          unit: "req/s",
          higher: true,
          competitors,
          ratios,
          client: "each runtime's own client (IPCClient / ws / WebSocket) in a second process of that runtime",
        });
      }
    }
  }

  // 2. Server → client requests by runtimeId, and fire-and-forget.
  if (CASES.has("s2c")) {
    const competitors: Competitor[] = [];
    const ratios: Variant["ratios"] = [];
    for (const spec of active) {
      const s = side(spec);
      const kinds = isNode(spec) ? ["raw", "orig", "crossipc"] : ["raw", "crossipc"];
      for (const kind of kinds) {
        await s.driver.call("s2c-serve", { kind, port: s.ports[kind] });
        competitors.push({
          key: `${kind}:${spec.name}`,
          label: kind === "raw" ? `${rawLabel(spec)}, server-driven` : kind === "orig" ? "original design" : "crossipc",
          runtime: spec.name,
          group: kind === "raw" ? "limit" : kind === "orig" ? "original" : "crossipc",
          cpuOf: [s.host, s.driver],
          measure: async (ms) => fromLoad(await s.host.call("s2c", { kind, inflight: 64, size: "small", ms }, callMs(ms))),
        });
      }
      ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
      if (isNode(spec)) ratios.push({ of: `orig:${spec.name}`, to: `raw:${spec.name}` });
    }
    await run({ caseId: "s2c", caseTitle: "2a. Server → client requests by runtimeId", variant: "~100 B, 64 in flight", unit: "req/s", higher: true, competitors, ratios });
  }
  if (CASES.has("ff")) {
    const competitors: Competitor[] = [];
    const ratios: Variant["ratios"] = [];
    for (const spec of active) {
      const s = side(spec);
      for (const kind of isNode(spec) ? ["raw", "orig", "crossipc"] : ["raw", "crossipc"]) {
        competitors.push({
          key: `${kind}:${spec.name}`,
          label: kind === "raw" ? `${rawLabel(spec)}, one-way` : kind === "orig" ? "original design" : "crossipc",
          runtime: spec.name,
          group: kind === "raw" ? "limit" : kind === "orig" ? "original" : "crossipc",
          cpuOf: [s.host, s.driver],
          measure: async (ms) => fromLoad(await s.driver.call("ff", { kind, port: s.ports[kind], ms }, callMs(ms))),
        });
      }
      ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
      if (isNode(spec)) ratios.push({ of: `orig:${spec.name}`, to: `raw:${spec.name}` });
    }
    await run({
      caseId: "ff",
      caseTitle: "2b. Fire-and-forget messages client → server",
      variant: "~100 B, batches of 500 + one round trip",
      unit: "msg/s",
      higher: true,
      competitors,
      ratios,
    });
  }

  // 3. HTTP intercept route.
  if (CASES.has("intercept")) {
    const competitors: Competitor[] = [
      { key: "plain", label: "plain node:http (direct)", runtime: primary.name, group: "limit", cpuOf: backend, measure: (ms) => cannon(`${backendUrl}/users/42`, ms) },
    ];
    const ratios: Variant["ratios"] = [];
    for (const spec of active) {
      const s = side(spec);
      // Each Node's find-my-way right before its crossipc, so their per-round ratio is taken close in time.
      if (isNode(spec)) {
        competitors.push({ key: `fmw:${spec.name}`, label: "find-my-way on node:http (original)", runtime: spec.name, group: "original", cpuOf: s.host, measure: (ms) => cannon(`http://${HOST}:${s.ports["orig"]}/users/42`, ms) });
      }
      competitors.push({ key: `crossipc:${spec.name}`, label: "crossipc interceptHttp", runtime: spec.name, group: "crossipc", cpuOf: s.host, measure: (ms) => cannon(`http://${HOST}:${s.ports["crossipc"]}/users/42`, ms) });
      const base = isNode(spec) ? spec.name : primary.name;
      ratios.push({
        of: `crossipc:${spec.name}`,
        to: `fmw:${base}`,
        ...(isNode(spec) ? { target: { min: 1 }, targetName: "HTTP intercept ≥ 1.0× find-my-way on node:http" } : {}),
      });
      ratios.push({ of: `crossipc:${spec.name}`, to: "plain" });
    }
    for (const spec of nodes) ratios.push({ of: `fmw:${spec.name}`, to: "plain" });
    for (const spec of active) {
      const s = side(spec);
      competitors.push({ key: `proto:${spec.name}`, label: "prototype: srvx handler + compiled rou3", runtime: spec.name, group: "prototype", cpuOf: s.host, measure: (ms) => cannon(`http://${HOST}:${s.ports["proto-intercept"]}/users/42`, ms) });
      ratios.push({ of: `proto:${spec.name}`, to: `fmw:${isNode(spec) ? spec.name : primary.name}` });
      ratios.push({ of: `proto:${spec.name}`, to: `crossipc:${spec.name}` });
    }
    await run({ caseId: "intercept", caseTitle: "3. HTTP intercept route with a path param", variant: "GET /users/:id, 50 connections", unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
  }

  // 4. HTTP reverse proxy.
  if (CASES.has("proxy")) {
    const url = (port: number) => `http://${HOST}:${port}/api/items?page=1`;
    const competitors: Competitor[] = [
      { key: "direct", label: "backend direct (node:http)", runtime: primary.name, group: "limit", cpuOf: backend, measure: (ms) => cannon(url(backendPort), ms) },
      { key: "orig", label: "http-proxy default (original)", runtime: primary.name, group: "original", cpuOf: main.host, measure: (ms) => cannon(url(main.ports["orig"]!), ms) },
    ];
    const ratios: Variant["ratios"] = [];
    for (const spec of active) {
      const s = side(spec);
      if (isNode(spec)) {
        competitors.push({ key: `peer:${spec.name}`, label: "http-proxy + keep-alive agent", runtime: spec.name, group: "peer", cpuOf: s.host, measure: (ms) => cannon(url(s.ports["peer"]!), ms) });
      }
      competitors.push({ key: `crossipc:${spec.name}`, label: "crossipc proxy", runtime: spec.name, group: "crossipc", cpuOf: s.host, measure: (ms) => cannon(url(s.ports["crossipc"]!), ms) });
      ratios.push({ of: `crossipc:${spec.name}`, to: `peer:${isNode(spec) ? spec.name : primary.name}`, target: { min: 1 }, targetName: "HTTP proxy ≥ 1.0× http-proxy with keep-alive" });
      ratios.push({ of: `crossipc:${spec.name}`, to: "orig" });
      ratios.push({ of: `crossipc:${spec.name}`, to: "direct" });
    }
    for (const spec of PROTOTYPES ? nodes : []) {
      const s = side(spec);
      competitors.push({ key: `proto:${spec.name}`, label: "prototype: crossipc, small answers read whole", runtime: spec.name, group: "prototype", cpuOf: s.host, measure: (ms) => cannon(url(s.ports["proto-proxy"]!), ms) });
      ratios.push({ of: `proto:${spec.name}`, to: `peer:${spec.name}` });
      ratios.push({ of: `proto:${spec.name}`, to: `crossipc:${spec.name}` });
    }
    ratios.push({ of: "orig", to: `peer:${primary.name}` });
    await run({ caseId: "proxy", caseTitle: "4. HTTP reverse proxy to a node:http backend", variant: "GET /api/items, 50 connections", unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
  }

  // 5. WebSocket proxy: echo through the hub.
  if (CASES.has("wsproxy")) {
    for (const size of ["small", "64k"] as const) {
      for (const inflight of [1, 64]) {
        const echo = (key: string, label: string, runtime: string, group: Competitor["group"], url: string, cpuOf?: Proc): Competitor => ({
          key,
          label,
          runtime,
          group,
          cpuOf,
          measure: async (ms) => fromLoad(await main.driver.call("wsecho", { url, inflight, size, ms }, callMs(ms))),
        });
        const competitors: Competitor[] = [echo("direct", "backend ws echo (direct)", primary.name, "limit", `ws://${HOST}:${backendPort}/ws/echo`, backend)];
        const ratios: Variant["ratios"] = [];
        for (const spec of nodes) {
          competitors.push(echo(`hp:${spec.name}`, "http-proxy raw pipe (original)", spec.name, "original", `ws://${HOST}:${side(spec).ports["orig"]}/ws/echo`, side(spec).host));
        }
        if (size === "64k" && bu) {
          competitors.push(echo(`crossipc:${bu.spec.name}`, "crossipc ws proxy", bu.spec.name, "crossipc", `ws://${HOST}:${bu.ports["crossipc"]}/ws/echo`, bu.host));
          ratios.push({ of: `crossipc:${bu.spec.name}`, to: `hp:${primary.name}` });
        }
        for (const spec of active) {
          competitors.push(echo(`crossipc:${spec.name}`, "crossipc ws proxy", spec.name, "crossipc", `ws://${HOST}:${side(spec).ports["crossipc"]}/ws/echo`, side(spec).host));
          ratios.push({
            of: `crossipc:${spec.name}`,
            to: `hp:${isNode(spec) ? spec.name : primary.name}`,
            target: { min: 1 },
            targetName: `WS proxy ≥ 1.0× http-proxy pipe (${SIZE_NAME[size]}, ${inflight} in flight)`,
          });
          ratios.push({ of: `crossipc:${spec.name}`, to: "direct" });
        }
        for (const spec of nodes) ratios.push({ of: `hp:${spec.name}`, to: "direct" });
        for (const spec of PROTOTYPES ? nodes : []) {
          competitors.push(echo(`proto:${spec.name}`, "prototype: TCP pipe from crossws upgrade hook", spec.name, "prototype", `ws://${HOST}:${side(spec).ports["proto-wspipe"]}/ws/echo`, side(spec).host));
          ratios.push({ of: `proto:${spec.name}`, to: `hp:${spec.name}` });
        }
        await run({
          caseId: "wsproxy",
          caseTitle: "5. WebSocket proxy: echo through the hub",
          variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
          unit: "msg/s",
          higher: true,
          competitors,
          ratios,
          client: `ws client on ${primary.name}; backend: ws echo on ${primary.name}`,
        });
      }
    }
  }

  // Load-generating connections are not needed any more; the memory case wants a quiet machine.
  await Promise.all([...sides.values()].map((s) => s.driver.call("close-all").catch(() => {})));

  // 6. Memory per idle client.
  if (CASES.has("memory")) {
    const competitors: Competitor[] = [];
    const ratios: Variant["ratios"] = [];
    const budgets: NonNullable<Variant["budgets"]> = [];
    const memoryOf = (spec: RuntimeSpec, role: string): Competitor => ({
      key: `${role}:${spec.name}`,
      label: role === "raw" ? rawLabel(spec) : role === "orig" ? "original design" : role === "crossws" ? "crossws alone (diagnostic)" : "crossipc",
      runtime: spec.name,
      group: role === "raw" ? "limit" : role === "orig" ? "original" : role === "crossws" ? "prototype" : "crossipc",
      single: true,
      measure: async () => {
        const host = spawnHost(spec, role, backendUrl, spec.gcArgs);
        try {
          const ports = (await host.ready).ready;
          await sleep(300);
          const before = await host.call("mem");
          const pathAndQuery = role === "raw" || role === "crossws" ? "/echo?i={i}" : "/__ggFrameworkConnection?runtimeId=idle-{i}";
          const opened = await main.driver.call("idle-open", { url: `ws://${HOST}:${ports[role]}${pathAndQuery}`, n: IDLE_CLIENTS });
          await sleep(1000);
          const after = await host.call("mem");
          await main.driver.call("idle-close");
          const kib = (bytes: number) => bytes / opened / 1024;
          return {
            value: kib(after.rss - before.rss),
            note: `heap+external ${kib(after.heapUsed + after.external - before.heapUsed - before.external).toFixed(1)} KiB/client`,
          };
        } finally {
          await host.stop(2000);
        }
      },
    });
    for (const spec of active) {
      competitors.push(memoryOf(spec, "raw"));
      if (spec === primary) competitors.push(memoryOf(spec, "orig"));
      competitors.push(memoryOf(spec, "crossws"));
      competitors.push(memoryOf(spec, "crossipc"));
      budgets.push({ of: `crossipc:${spec.name}`, max: 30, targetName: "≤ 30 KiB server memory per idle client" });
      ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
    }
    ratios.push({ of: `crossipc:${primary.name}`, to: `orig:${primary.name}` });
    await run({
      caseId: "memory",
      caseTitle: "6. Server memory per idle client",
      variant: `${IDLE_CLIENTS} idle clients, RSS growth after GC`,
      unit: "KiB/client",
      higher: false,
      competitors,
      ratios,
      budgets,
      client: `${IDLE_CLIENTS} ws clients on ${primary.name}; a fresh server process per row`,
    });
  }

  // 7. Start/teardown cycles (what a test suite pays per test).
  if (CASES.has("cycle")) {
    for (const full of [false, true]) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      for (const spec of active) {
        const s = side(spec);
        const baseLabel = isNode(spec) ? "node:http + ws" : spec.name === "bun" ? "Bun.serve" : "Deno.serve";
        for (const kind of ["base", "crossipc"]) {
          competitors.push({
            key: `${kind}:${spec.name}`,
            label: kind === "base" ? `${baseLabel}${full ? " + client + echo" : ""}` : full ? "crossipc start+connect+request+teardown" : "crossipc start+teardown",
            runtime: spec.name,
            group: kind === "base" ? "limit" : "crossipc",
            measure: async (ms) => {
              const r = await s.driver.call("cycle", { kind: `${kind}-${full ? "full" : "start"}`, ms }, callMs(ms));
              return { value: r.perCycleMs };
            },
          });
        }
        ratios.push({
          of: `crossipc:${spec.name}`,
          to: `base:${spec.name}`,
          ...(full ? {} : { target: { max: 1.2 }, targetName: "start+teardown ≤ 1.2× the runtime's plain server" }),
        });
      }
      await run({
        caseId: "cycle",
        caseTitle: "7. Lifecycle cost per test",
        variant: full ? "start + connect + one request + teardown" : "start() + teardown()",
        unit: "ms/cycle",
        higher: false,
        competitors,
        ratios,
        client: "in one process of each runtime",
      });
    }
  }

  // Stop the measured processes before profiling.
  await Promise.all([...sides.values()].flatMap((s) => [s.host.stop(), s.driver.stop()]).concat(batchHost ? [batchHost.stop()] : []));

  const profiles = PROFILE ? await profileMisses(all, backend, backendUrl) : [];
  await backend.stop();

  const finished = new Date();
  const saved: SavedRun = {
    all,
    profiles,
    ctx: {
      out: OUT,
      root: ROOT,
      info: machineInfo(versions),
      settings: { roundMs: ROUND_MS, rounds: ROUNDS, warmupMs: WARM_MS, httpRoundMs: HTTP_ROUND_MS, httpRounds: HTTP_ROUNDS, idleClients: IDLE_CLIENTS },
      skipped: [...skipped, ...failed],
      bufferutil: bufferutilSpec ? "measured with and without (rows marked +bufferutil; bufferutil from BENCH_BUFFERUTIL)" : "not installed: only measured without (set BENCH_BUFFERUTIL to compare)",
      date: finished,
      durationS: (finished.getTime() - started) / 1000,
    },
  };
  // The raw results, so the report can be re-rendered (`bash bench/run.sh --report-only`).
  writeFileSync(path.join(OUT, "bench", "results.json"), serialise(saved));
  render(saved);
}

/** results.json: ratios name their competitors by key instead of repeating them. */
function serialise(saved: SavedRun): string {
  const all = saved.all.map((v) => ({
    variant: { ...v.variant, competitors: [] },
    results: v.results,
    ratios: v.ratios.map((r) => ({ ...r, of: r.of.key, to: r.to.key })),
  }));
  return JSON.stringify({ ...saved, all });
}

function deserialise(text: string): SavedRun {
  const saved = JSON.parse(text) as SavedRun;
  for (const v of saved.all) {
    const byKey = new Map(v.results.map((c) => [c.key, c]));
    for (const r of v.ratios as unknown as Array<RatioResult & { of: string | CompetitorResult; to: string | CompetitorResult }>) {
      if (typeof r.of === "string") r.of = byKey.get(r.of)!;
      if (typeof r.to === "string") r.to = byKey.get(r.to)!;
    }
  }
  return saved;
}

interface SavedRun {
  all: VariantResult[];
  profiles: ProfileReport[];
  ctx: Parameters<typeof writeReport>[2];
}

function render(saved: SavedRun): void {
  printTable(saved.all);
  const files = writeReport(saved.all, saved.profiles, { ...saved.ctx, date: new Date(saved.ctx.date), out: OUT, root: ROOT });
  log(`wrote ${files.join(", ")}`);
}

// --- profiles -----------------------------------------------------------------------------------

/**
 * Re-runs missed cases on the primary Node under --cpu-prof and summarises them: first the worst
 * miss of each case, then further RPC variants, five profiles at most.
 */
async function profileMisses(all: VariantResult[], _backend: Proc, backendUrl: string): Promise<ProfileReport[]> {
  const misses = all
    .flatMap((v) => v.ratios.filter((r) => r.met === false && r.of.runtime === primary.name && !r.budget).map((r) => ({ v, r })))
    .sort((a, b) => a.r.ratio / (a.r.target?.min ?? 1) - b.r.ratio / (b.r.target?.min ?? 1));
  const picked: typeof misses = [];
  const cases = new Set<string>();
  for (const m of misses) {
    if (m.v.variant.caseId === "cycle" || cases.has(m.v.variant.caseId)) continue;
    cases.add(m.v.variant.caseId);
    picked.push(m);
  }
  for (const m of misses) {
    if (m.v.variant.caseId === "rpc" && !picked.some((p) => p.v === m.v)) picked.push(m);
  }
  const reports: ProfileReport[] = [];
  const dir = path.join(ROOT, "bench", ".prof");
  rmSync(dir, { recursive: true, force: true });
  let n = 0;
  for (const { v, r } of picked.slice(0, 5)) {
    const title = `${v.variant.caseTitle} — ${v.variant.variant} (${r.of.runtime}: ${r.ratio.toFixed(2)}×, target ${r.target?.min !== undefined ? `≥ ${r.target.min}` : `≤ ${r.target?.max}`})`;
    log(`profiling: ${title}`);
    try {
      reports.push(...(await profileOne(v.variant, path.join(dir, `${++n}`), backendUrl, title)));
    } catch (error) {
      log(`  ! profile failed: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return reports;
}

async function profileOne(variant: Variant, dir: string, backendUrl: string, title: string): Promise<ProfileReport[]> {
  mkdirSync(dir, { recursive: true });
  const hostDir = path.join(dir, "host");
  const driverDir = path.join(dir, "driver");
  const profileClient = variant.caseId === "rpc" || variant.caseId === "ff" || variant.caseId === "cycle";
  const host = spawnHost(primary, "crossipc", backendUrl, ["--cpu-prof", `--cpu-prof-dir=${hostDir}`]);
  const driver = spawnDriver(primary, profileClient ? ["--cpu-prof", `--cpu-prof-dir=${driverDir}`] : []);
  const ports = (await host.ready).ready;
  await driver.ready;
  const ms = 3000;
  const m = /(64 KiB text|64 KiB records|~100 B), (\d+) in flight/.exec(variant.variant);
  const size = (Object.keys(SIZE_NAME) as PayloadSize[]).find((k) => SIZE_NAME[k] === m?.[1]) ?? "small";
  const inflight = Number(m?.[2] ?? 64);
  const port = ports["crossipc"];
  switch (variant.caseId) {
    case "rpc":
      await driver.call("rpc", { kind: "crossipc", port, inflight, size, ms: 300 });
      await driver.call("rpc", { kind: "crossipc", port, inflight, size, ms }, ms + 60_000);
      break;
    case "s2c":
      await driver.call("s2c-serve", { kind: "crossipc", port });
      await host.call("s2c", { kind: "crossipc", inflight: 64, size: "small", ms }, ms + 60_000);
      break;
    case "ff":
      await driver.call("ff", { kind: "crossipc", port, ms }, ms + 60_000);
      break;
    case "intercept":
      await cannon(`http://${HOST}:${port}/users/42`, 500);
      await cannon(`http://${HOST}:${port}/users/42`, ms);
      break;
    case "proxy":
      await cannon(`http://${HOST}:${port}/api/items?page=1`, 500);
      await cannon(`http://${HOST}:${port}/api/items?page=1`, ms);
      break;
    case "wsproxy":
      await driver.call("wsecho", { url: `ws://${HOST}:${port}/ws/echo`, inflight, size, ms }, ms + 60_000);
      break;
    case "cycle":
      await driver.call("cycle", { kind: variant.variant.includes("connect") ? "crossipc-full" : "crossipc-start", ms }, ms + 60_000);
      break;
  }
  await driver.call("close-all").catch(() => {});
  await Promise.all([host.stop(10_000), driver.stop(10_000)]);
  const reports: ProfileReport[] = [];
  for (const [which, d] of [
    ["server (IPCServer process)", hostDir],
    ["client (load process)", driverDir],
  ] as const) {
    if (!existsSync(d)) continue;
    const file = readdirSync(d).find((f) => f.endsWith(".cpuprofile"));
    if (!file) continue;
    const summary = summariseProfile(path.join(d, file));
    if (variant.caseId === "cycle" && which.startsWith("server")) continue;
    reports.push({ title, process: which, summary });
  }
  return reports;
}

// --- machine --------------------------------------------------------------------------------------

function machineInfo(versions: Record<string, string>): Record<string, string> {
  const pkg = (name: string) => {
    try {
      return (require(path.join(ROOT, "node_modules", name, "package.json")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  const commit = measuredCommit;
  return {
    cpu: `${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    runtimes: [...new Set(Object.values(versions))].join(", "),
    packages: ["crossws", "h3", "srvx", "rou3", "ws", "http-proxy", "find-my-way", "autocannon"].map((p) => `${p} ${pkg(p)}`).join(", "),
    commit,
  };
}

const run = process.argv.includes("--report-only")
  ? async () => {
      const file = path.join(OUT, "bench", "results.json");
      const saved = deserialise(readFileSync(file, "utf8"));
      writeFileSync(file, serialise(saved));
      render(saved);
    }
  : main;

run().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  },
);
