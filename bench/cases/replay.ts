/**
 * 11. Record and replay (issue 18, SPEC §11), loaded with autocannon:
 * - replay of a 10,000-entry HAR (`server.replay`) vs the same answers from a local intercept
 *   route: req/s ≥ 0.9×. The request is the recording's last entry, GET /items/9999, so a lookup
 *   that scanned the entries would pay for all of them.
 * - recording with bodies (what `--record` sets: 1,000 entries, bodies cut at 10 MiB) through
 *   the proxy vs recording off (the default journal): server CPU per request ≤ 1.15×.
 * - memory while recording a flood of 1 MiB bodies (POST 1 MiB, answered with 1 MiB) through
 *   the proxy into a ring of 16 entries × 1 MiB per body: a fresh hub process per runtime, its
 *   heap + external memory after GC (Bun: its heap, which holds ArrayBuffers too), before and
 *   after 200 such requests (400 MiB of bodies), against the ring's bound, 16 × (1 MiB + 1 MiB).
 */
import { HOST, RECORD_FLOOD, type Family } from "../_family.ts";
import { cannon } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { RuntimeSpec } from "../_proc.ts";
import { sleep } from "../_rt.ts";
import { spawnHost } from "../_runtimes.ts";
import { compare } from "./mocks.ts";

export const replay: Family = {
  cases: ["replay"],
  roles: () => ["crossipc", "replay", "replay-local", "record"],
  async run(ctx) {
    if (!ctx.wants("replay")) return;
    const url = (port: number, path: string) => `http://${HOST}:${port}${path}`;
    const title = "11. Record and replay";
    await compare(ctx, "GET /items/9999, 10,000-entry HAR replay vs local interceptHttp, 50 connections", [
      ["local", "replay-local", "local interceptHttp route", (port) => (ms) => cannon(url(port, "/items/9999"), ms)],
      ["replay", "replay", "replay of a 10,000-entry HAR", (port) => (ms) => cannon(url(port, "/items/9999"), ms)],
    ], [{ target: { min: 0.9 }, targetName: "10,000-entry replay ≥ 0.9× local intercept route (req/s)" }], "replay", title);
    await compare(ctx, "proxied GET /api/items, recording with bodies vs off, 50 connections", [
      ["off", "crossipc", "recording off (default journal)", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
      ["record", "record", "recording with bodies (as --record)", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
    ], [{ target: { min: 0.87 }, targetName: "recording with bodies ≥ 0.87× recording off (≤ 1.15× CPU/req)" }], "replay", title);
    await recordFlood(ctx, title);
  },
};

const MiB = 1024 * 1024;

/** The memory line: growth of a fresh recording hub over a flood of 1 MiB bodies, against the ring's bound. */
async function recordFlood(ctx: Parameters<Family["run"]>[0], caseTitle: string): Promise<void> {
  const { size, maxBody, requests, concurrency } = RECORD_FLOOD;
  // In KiB, the unit the report's budgets are written in.
  const bound = (size * 2 * maxBody) / 1024;
  const competitors: Competitor[] = [];
  const budgets: NonNullable<Variant["budgets"]> = [];
  const floodOf = (spec: RuntimeSpec): Competitor => ({
    key: `flood:${spec.name}`,
    label: `recording, ring of ${size} × ${maxBody / MiB} MiB`,
    runtime: spec.name,
    group: "crossipc",
    single: true,
    measure: async () => {
      const host = spawnHost(spec, "record-flood", ctx.backendUrl, spec.gcArgs);
      try {
        const port = (await host.ready).ready["record-flood"];
        const url = `http://${HOST}:${port}/api/big`;
        const body = new Uint8Array(MiB).fill(0x79);
        const post = async () => {
          const response = await fetch(url, { method: "POST", body }).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
            throw new Error(`record-flood: ${error.message} (${error.cause?.code ?? error.cause?.message ?? "no cause"})`);
          });
          const got = (await response.arrayBuffer()).byteLength;
          if (response.status !== 200 || got !== MiB) throw new Error(`record-flood: ${response.status}, ${got} bytes`);
        };
        await post(); // the proxy's and the journal's first use, before the baseline
        await sleep(200);
        const before = await host.call("mem");
        let sent = 0;
        await Promise.all(Array.from({ length: concurrency }, async () => {
          while (sent < requests) {
            sent++;
            await post();
          }
        }));
        await sleep(500);
        const after = await host.call("mem");
        // JavaScriptCore counts ArrayBuffer memory in its heap and reports it again as external.
        const held = (m: { heapUsed: number; external: number }) => (spec.name === "bun" ? m.heapUsed : m.heapUsed + m.external);
        const grown = (held(after) - held(before)) / 1024;
        return { value: grown, note: `RSS ${((after.rss - before.rss) / MiB).toFixed(1)} MiB; ${requests} requests, ${(requests * 2 * maxBody) / MiB} MiB of bodies; bound ${bound / 1024} MiB` };
      } finally {
        await host.stop(2000);
      }
    },
  });
  for (const spec of ctx.active) {
    competitors.push(floodOf(spec));
    budgets.push({ of: `flood:${spec.name}`, max: bound, targetName: `recording memory ≤ the ring's bound, ${size} × (1 MiB + 1 MiB) = ${bound / 1024} MiB` });
  }
  await ctx.run({
    caseId: "replay",
    caseTitle,
    variant: `recording a flood of 1 MiB bodies through the proxy: heap + external growth after GC (Bun: heap)`,
    unit: "KiB",
    higher: false,
    competitors,
    ratios: [],
    budgets,
    client: `Node fetch in the orchestrator, ${concurrency} at a time; a fresh hub process per runtime`,
  });
}
