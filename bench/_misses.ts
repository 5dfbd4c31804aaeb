/**
 * Profiles of missed targets: re-runs them on the primary Node under --cpu-prof (through the
 * family's `profile` hook) and summarises each profile.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { log, ROOT } from "./_config.ts";
import type { Family } from "./_family.ts";
import type { ProfileReport, Variant, VariantResult } from "./_model.ts";
import { summariseProfile } from "./_profile.ts";
import { primary, spawnDriver, spawnHost } from "./_runtimes.ts";

/** First the worst miss of each case, then further misses of `extraCases`; five profiles at most. */
export async function profileMisses(all: VariantResult[], families: Family[], backendUrl: string, extraCases = ["rpc", "servers", "clients"]): Promise<ProfileReport[]> {
  const familyOf = (caseId: string) => families.find((f) => f.cases.includes(caseId));
  const misses = all
    .flatMap((v) => v.ratios.filter((r) => r.met === false && r.of.runtime === primary.name && !r.budget && r.metric !== "p99").map((r) => ({ v, r })))
    .filter(({ v }) => familyOf(v.variant.caseId)?.profile)
    .sort((a, b) => a.r.ratio / (a.r.target?.min ?? 1) - b.r.ratio / (b.r.target?.min ?? 1));
  const picked: typeof misses = [];
  const cases = new Set<string>();
  for (const m of misses) {
    if (cases.has(m.v.variant.caseId)) continue;
    cases.add(m.v.variant.caseId);
    picked.push(m);
  }
  for (const m of misses) {
    if (extraCases.includes(m.v.variant.caseId) && !picked.some((p) => p.v === m.v)) picked.push(m);
  }
  const reports: ProfileReport[] = [];
  const dir = path.join(ROOT, "bench", ".prof");
  rmSync(dir, { recursive: true, force: true });
  let n = 0;
  for (const { v, r } of picked.slice(0, 5)) {
    const title = `${v.variant.caseTitle} — ${v.variant.variant} (${r.of.runtime}: ${r.ratio.toFixed(2)}×, target ${r.target?.min !== undefined ? `≥ ${r.target.min}` : `≤ ${r.target?.max}`})`;
    log(`profiling: ${title}`);
    try {
      reports.push(...(await profileOne(v.variant, familyOf(v.variant.caseId)!, path.join(dir, `${++n}`), backendUrl, title)));
    } catch (error) {
      log(`  ! profile failed: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return reports;
}

async function profileOne(variant: Variant, family: Family, dir: string, backendUrl: string, title: string): Promise<ProfileReport[]> {
  mkdirSync(dir, { recursive: true });
  const hostDir = path.join(dir, "host");
  const driverDir = path.join(dir, "driver");
  const host = spawnHost(primary, "crossipc,ref", backendUrl, ["--cpu-prof", `--cpu-prof-dir=${hostDir}`]);
  const driver = spawnDriver(primary, family.profileClient ? ["--cpu-prof", `--cpu-prof-dir=${driverDir}`] : []);
  const ports = (await host.ready).ready;
  await driver.ready;
  await family.profile!(variant, { host, driver, ports, ms: 3000 });
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
    // The lifecycle case's servers live in the driver: the host's profile says nothing.
    if (variant.caseId === "cycle" && which.startsWith("server")) continue;
    reports.push({ title, process: which, summary: summariseProfile(path.join(d, file)) });
  }
  return reports;
}
