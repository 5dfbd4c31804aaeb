/**
 * 1b. Each server driven by one reference client (issue 13): the original design and crossipc
 * on every runtime, all answering the same `ws` client with the same framing code
 * (bench/_reference.ts) in the primary Node's driver, so a faster client cannot hide a slower server.
 */
import { callMs } from "../_config.ts";
import { SIZE_NAME, parseVariant, type Family } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { PayloadSize } from "../_rt.ts";
import { isNode } from "../_runtimes.ts";

export const APART_VARIANTS: Array<[PayloadSize, number]> = [
  ["small", 1],
  ["small", 64],
  ["64k", 1],
  ["64k", 64],
];

export const servers: Family = {
  cases: ["servers"],
  roles: (spec) => (isNode(spec) ? ["orig", "crossipc"] : ["crossipc"]),
  async run(ctx) {
    if (!ctx.wants("servers")) return;
    const driver = ctx.reference.driver;
    for (const [size, inflight] of APART_VARIANTS) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      const server = (key: string, label: string, group: Competitor["group"], spec: (typeof ctx.active)[number], role: string): Competitor => ({
        key,
        label,
        runtime: spec.name,
        group,
        // The server's own CPU per request: the client is the same for every row.
        cpuOf: ctx.side(spec).host,
        measure: async (ms) => fromLoad(await driver.call("ref-rpc", { port: ctx.side(spec).ports[role], inflight, size, ms }, callMs(ms))),
      });
      for (const spec of ctx.nodes) competitors.push(server(`orig:${spec.name}`, "original design's server", "original", spec, "orig"));
      for (const spec of ctx.active) {
        competitors.push(server(`crossipc:${spec.name}`, "crossipc server", "crossipc", spec, "crossipc"));
        const base = `orig:${isNode(spec) ? spec.name : ctx.primary.name}`;
        const what = `${SIZE_NAME[size]}, ${inflight} in flight`;
        ratios.push({ of: `crossipc:${spec.name}`, to: base, target: { min: 1 }, targetName: `Server ≥ 1.0× the original's, same client (${what})` });
        ratios.push({ of: `crossipc:${spec.name}`, to: base, metric: "p99", target: { max: 1 }, targetName: `Server p99 ≤ the original's, same client (${what})` });
      }
      await ctx.run({
        caseId: "servers",
        caseTitle: "1b. Each server, one reference client",
        variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
        unit: "req/s",
        higher: true,
        competitors,
        ratios,
        client: `the reference client (plain ws, bench/_reference.ts) on ${ctx.reference.spec.name}; CPU is the server process's`,
      });
    }
  },
  async profile(variant, { driver, ports, ms }) {
    const { size, inflight } = parseVariant(variant.variant);
    await driver.call("ref-rpc", { port: ports["crossipc"], inflight, size, ms: 300 });
    await driver.call("ref-rpc", { port: ports["crossipc"], inflight, size, ms }, callMs(ms));
  },
};
