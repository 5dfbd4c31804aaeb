/** Measuring one variant: warm-up, interleaved rounds, medians, same-run ratios; and autocannon. */
import { createRequire } from "node:module";
import { HTTP_ROUND_MS, HTTP_ROUNDS, log, ROUND_MS, ROUNDS, WARM_MS } from "./_config.ts";
import type { Competitor, CompetitorResult, RatioResult, Sample, Variant, VariantResult } from "./_model.ts";
import { median, percentile } from "./_rt.ts";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>) => Promise<any>;

/** The value a ratio compares in one round: throughput (default) or a latency percentile. */
const metricOf = (s: Sample | undefined, metric: "value" | "p50" | "p99" = "value") => (s ? (metric === "value" ? s.value : (s[metric] ?? NaN)) : NaN);

export async function measureVariant(variant: Variant): Promise<VariantResult> {
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
    const paired = of.rounds.map((s, i) => metricOf(s, spec.metric) / metricOf(to.rounds[i], spec.metric));
    // A latency percentile is compared as the ratio of the rounds' medians: pairing tails round by
    // round only multiplies their noise (the spread still shows the per-round ratios).
    const ratio = spec.metric === "p50" || spec.metric === "p99" ? (of[spec.metric] ?? NaN) / (to[spec.metric] ?? NaN) : median(paired);
    const finite = paired.filter((x) => Number.isFinite(x));
    const spread: [number, number] | undefined = finite.length >= 4 ? [percentile([...finite], 25), percentile([...finite], 75)] : undefined;
    const cpuPaired = of.rounds.map((s, i) => (s.cpuUs ?? NaN) / (to.rounds[i]?.cpuUs ?? NaN));
    const cpuRatio = median(cpuPaired);
    const met = spec.target && Number.isFinite(ratio) ? (spec.target.min === undefined || ratio >= spec.target.min) && (spec.target.max === undefined || ratio <= spec.target.max) : undefined;
    ratios.push({ caseId: variant.caseId, variant: variant.variant, of, to, ratio, spread, cpuRatio: Number.isFinite(cpuRatio) ? cpuRatio : undefined, target: spec.target, targetName: spec.targetName, met, metric: spec.metric });
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
    const latency = Number.isFinite(r.p50 ?? NaN) ? `  p50 ${r.p50!.toFixed(3)} p99 ${r.p99!.toFixed(3)} ms` : "";
    const cpu = Number.isFinite(r.cpuUs ?? NaN) ? `  cpu ${r.cpuUs!.toFixed(1)} µs/op` : "";
    log(`  ${r.label.padEnd(34)} ${r.runtime.padEnd(17)} ${fmt.padStart(10)} ${variant.unit}${latency}${cpu}`);
  }
  for (const r of ratios.filter((r) => r.target)) {
    log(`  → ${r.of.label} ${r.of.runtime}${r.metric && r.metric !== "value" ? ` ${r.metric}` : ""}: ${r.ratio.toFixed(2)}× ${r.budget ? "of budget" : `of ${r.to.label} ${r.to.runtime}`} ${r.met ? "MET" : "MISSED"}`);
  }
  return { variant, results, ratios };
}

export function fromLoad(result: { rate: number; count?: number; p50?: number; p99?: number }): Sample {
  return { value: result.rate, count: result.count, p50: result.p50, p99: result.p99 };
}

/** One autocannon round (50 connections); a sub-second `ms` means the warm-up (3000 requests). */
export async function cannon(url: string, ms: number, extra: Record<string, unknown> = {}): Promise<Sample> {
  const warm = ms < 1000;
  const options: Record<string, unknown> = { url, connections: 50, pipelining: 1, ...extra };
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
