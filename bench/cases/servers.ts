/**
 * 1b. Each server driven by the same reference clients (issues 13 and 20): the original design and crossipc
 * on every runtime, all answering the same `ws` client with the same framing code
 * (bench/_reference.ts) in the primary Node's driver, so a faster client cannot hide a slower server.
 * Every server is driven by both reference clients: one that leaves answers undecoded and one
 * that decodes each as the original's client does (issue 20).
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

/** The two reference clients; target names keep the first one's wording so earlier reports compare. */
const REFERENCE_CLIENTS = [
  { decode: false, suffix: "", clientName: "same client" },
  { decode: true, suffix: "+decode", clientName: "same decoding client" },
] as const;

export const servers: Family = {
  cases: ["servers"],
  roles: (spec) => (isNode(spec) ? ["orig", "crossipc"] : ["crossipc"]),
  async run(ctx) {
    if (!ctx.wants("servers")) return;
    const driver = ctx.reference.driver;
    for (const [size, inflight] of APART_VARIANTS) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      const what = `${SIZE_NAME[size]}, ${inflight} in flight`;
      // Both reference clients (issue 20): the first leaves answers undecoded, the second decodes
      // every one as the original's client does; a server is measured against each.
      for (const { decode, suffix, clientName } of REFERENCE_CLIENTS) {
        const server = (kind: string, label: string, group: Competitor["group"], spec: (typeof ctx.active)[number]): Competitor => ({
          key: `${kind}${suffix}:${spec.name}`,
          label: `${label}${decode ? ", decoding client" : ""}`,
          runtime: spec.name,
          group,
          // The server's own CPU per request: the client is the same for every row.
          cpuOf: ctx.side(spec).host,
          measure: async (ms) => fromLoad(await driver.call("ref-rpc", { port: ctx.side(spec).ports[kind], inflight, size, ms, decode }, callMs(ms))),
        });
        for (const spec of ctx.nodes) competitors.push(server("orig", "original design's server", "original", spec));
        for (const spec of ctx.active) {
          competitors.push(server("crossipc", "crossipc server", "crossipc", spec));
          const of = `crossipc${suffix}:${spec.name}`;
          const base = `orig${suffix}:${isNode(spec) ? spec.name : ctx.primary.name}`;
          ratios.push({ of, to: base, target: { min: 1 }, targetName: `Server ≥ 1.0× the original's, ${clientName} (${what})` });
          ratios.push({ of, to: base, metric: "p99", target: { max: 1 }, targetName: `Server p99 ≤ the original's, ${clientName} (${what})` });
        }
      }
      await ctx.run({
        caseId: "servers",
        caseTitle: "1b. Each server, the two reference clients",
        variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
        unit: "req/s",
        higher: true,
        competitors,
        ratios,
        client: `the two reference clients (plain ws, bench/_reference.ts: one leaves answers undecoded, the other decodes each as the original's client does) on ${ctx.reference.spec.name}; CPU is the server process's`,
      });
    }
  },
  async profile(variant, { driver, ports, ms }) {
    const { size, inflight } = parseVariant(variant.variant);
    await driver.call("ref-rpc", { port: ports["crossipc"], inflight, size, ms: 300 });
    await driver.call("ref-rpc", { port: ports["crossipc"], inflight, size, ms }, callMs(ms));
  },
};
