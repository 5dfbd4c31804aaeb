/**
 * `npm run bench`: starts every server and client itself on 127.0.0.1, runs each family of
 * cases (bench/cases/, one file per family) in interleaved rounds after a warm-up, takes medians
 * and same-run ratios, profiles the cases that miss their target, and writes BENCHMARKS.md and
 * bench/ratios.svg.
 *
 * Knobs (environment): BENCH_ROUND_MS (400), BENCH_ROUNDS (9), BENCH_WARMUP_MS (500),
 * BENCH_CASES (comma list of case ids: rpc,servers,clients,s2c,ff,intercept,proxy,wsproxy,
 * journal,faults,mocks,replay,memory,cycle; optional: layers, mocks-latency), BENCH_RUNTIMES (node20,node24,bun,deno), BENCH_PROFILE (0 to skip
 * profiling), BENCH_NODE_OTHER (path of the second Node binary; default: found with
 * `npx node@20|24`), BENCH_BUFFERUTIL (a folder whose node_modules has `bufferutil`; default: the
 * repository's dev dependency, if installed), BENCH_HTTP_ROUND_MS / BENCH_HTTP_ROUNDS (autocannon
 * rounds), BENCH_OUT (where to write the report; default the repository root).
 * `--report-only` re-renders BENCHMARKS.md and the chart from bench/results.json.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { families } from "./cases/index.ts";
import { CASES, HOST, HTTP_ROUND_MS, HTTP_ROUNDS, IDLE_CLIENTS, log, OUT, PROFILE, ROOT, ROUND_MS, ROUNDS, started, WARM_MS } from "./_config.ts";
import type { BenchContext, Side } from "./_family.ts";
import { measureVariant } from "./_measure.ts";
import { profileMisses } from "./_misses.ts";
import type { CompetitorResult, ProfileReport, RatioResult, VariantResult } from "./_model.ts";
import { killAll } from "./_proc.ts";
import { printTable, writeReport } from "./_report.ts";
import { bufferutilNote, bufferutilSpec, isNode, primary, skipped, spawnBackend, spawnDriver, spawnHost, specs } from "./_runtimes.ts";

const require = createRequire(import.meta.url);

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Case ids to measure: BENCH_CASES, or every family's cases but the optional ones. */
const wanted = CASES ?? new Set(families.flatMap((f) => f.cases.filter((c) => !f.optional?.includes(c))));

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

/** The machine's 1-minute load average, sampled every 10 s while the run goes on. */
const loadSamples: number[] = [];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]!), 10_000);
loadTimer.unref();

async function main(): Promise<void> {
  loadSamples.push(os.loadavg()[0]!);
  log(`runtimes: ${specs.map((s) => s.name).join(", ")}${skipped.length ? `; skipped: ${skipped.join("; ")}` : ""}`);
  log(`bufferutil: ${bufferutilNote}`);
  log(`cases: ${[...wanted].join(", ")}`);
  const backend = spawnBackend();
  const backendPort = (await backend.ready).ready.backend as number;
  const backendUrl = `http://${HOST}:${backendPort}`;
  const active = families.filter((f) => f.cases.some((c) => wanted.has(c)));

  const sides = new Map<string, Side>();
  const failed: string[] = [];
  // The bufferutil variant runs the RPC roles and the reference ends (the fastest Node there is).
  const allSpecs = bufferutilSpec && ["rpc", "servers", "clients"].some((c) => wanted.has(c)) ? [...specs, bufferutilSpec] : specs;
  await Promise.all(
    allSpecs.map(async (spec) => {
      const roles = spec === bufferutilSpec ? ["raw", "orig", "crossipc", "ref"] : [...new Set(active.flatMap((f) => f.roles?.(spec, spec === primary) ?? []))];
      if (!roles.includes("crossipc")) roles.push("crossipc");
      const host = spawnHost(spec, roles.join(","), backendUrl);
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
  for (const f of failed) log(`! could not start ${f}`);
  const main = sides.get(primary.name);
  if (!main) throw new Error(`${primary.name} could not start: ${failed.join("\n")}`);
  const versions: Record<string, string> = {};
  for (const [name, side] of sides) versions[name] = side.version;
  const runtimes = specs.filter((s) => sides.has(s.name));

  const all: VariantResult[] = [];
  const ctx: BenchContext = {
    primary,
    main,
    active: runtimes,
    nodes: runtimes.filter(isNode),
    side: (spec) => sides.get(spec.name)!,
    bufferutil: bufferutilSpec && sides.get(bufferutilSpec.name),
    // Native masking makes the reference ends cheaper, so the measured side shows more.
    reference: (bufferutilSpec && sides.get(bufferutilSpec.name)) || main,
    backend,
    backendPort,
    backendUrl,
    wants: (caseId) => wanted.has(caseId),
    run: async (variant) => {
      const result = await measureVariant(variant);
      all.push(result);
      return result;
    },
  };
  for (const family of active) await family.run(ctx);

  // Stop the measured processes before profiling.
  await Promise.all([...sides.values()].flatMap((s) => [s.host.stop(), s.driver.stop()]));
  const profiles = PROFILE ? await profileMisses(all, families, backendUrl) : [];
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
      bufferutil: bufferutilNote,
      load: loadNote(),
      date: finished,
      durationS: (finished.getTime() - started) / 1000,
    },
  };
  // The raw results, so the report can be re-rendered (`bash bench/run.sh --report-only`).
  // BENCH_OUT may be a fresh folder: its bench/ subfolder is made here.
  mkdirSync(path.join(OUT, "bench"), { recursive: true });
  writeFileSync(path.join(OUT, "bench", "results.json"), serialise(saved));
  render(saved);
}

/** How loaded the machine was: other processes share these cores. */
function loadNote(): string {
  const sorted = [...loadSamples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `1-minute load average over the run (${sorted.length} samples, 10 s apart): min ${at(0)}, median ${at(0.5)}, max ${at(1)}, on ${os.cpus().length} cores (the bench itself accounts for 1–2 of it)`;
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

function machineInfo(versions: Record<string, string>): Record<string, string> {
  const pkg = (name: string) => {
    try {
      return (require(path.join(ROOT, "node_modules", name, "package.json")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  return {
    cpu: `${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    runtimes: [...new Set(Object.values(versions))].join(", "),
    packages: ["crossws", "h3", "srvx", "rou3", "ws", "bufferutil", "http-proxy", "find-my-way", "autocannon"].map((p) => `${p} ${pkg(p)}`).join(", "),
    commit: measuredCommit,
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
