/**
 * 1c. Each client against one reference server (issue 13): the original design's client and
 * crossipc's IPCClient on every runtime, all talking to the same plain `ws` server
 * (bench/_reference.ts) on the primary Node, so a faster server cannot hide a slower client.
 */
import { callMs } from "../_config.ts";
import { SIZE_NAME, parseVariant, type Family, type Side } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import { isNode } from "../_runtimes.ts";
import { APART_VARIANTS } from "./servers.ts";

export const clients: Family = {
  cases: ["clients"],
  roles: (_spec, isPrimary) => (isPrimary ? ["ref"] : []),
  async run(ctx) {
    if (!ctx.wants("clients")) return;
    const port = ctx.reference.ports["ref"];
    for (const [size, inflight] of APART_VARIANTS) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      const client = (kind: string, label: string, group: Competitor["group"], side: Side): Competitor => ({
        key: `${kind}:${side.spec.name}`,
        label,
        runtime: side.spec.name,
        group,
        // The client's own CPU per request: the server is the same for every row.
        cpuOf: side.driver,
        measure: async (ms) => fromLoad(await side.driver.call(kind === "ref" ? "ref-rpc" : "rpc", { kind, port, inflight, size, ms }, callMs(ms))),
      });
      competitors.push(client("ref", "reference client (plain ws)", "reference", ctx.reference));
      for (const spec of ctx.nodes) competitors.push(client("orig", "original design's client", "original", ctx.side(spec)));
      for (const spec of ctx.active) {
        competitors.push(client("crossipc", "crossipc IPCClient", "crossipc", ctx.side(spec)));
        const base = `orig:${isNode(spec) ? spec.name : ctx.primary.name}`;
        const what = `${SIZE_NAME[size]}, ${inflight} in flight`;
        ratios.push({ of: `crossipc:${spec.name}`, to: base, target: { min: 1 }, targetName: `Client ≥ 1.0× the original's, same server (${what})` });
        ratios.push({ of: `crossipc:${spec.name}`, to: base, metric: "p99", target: { max: 1 }, targetName: `Client p99 ≤ the original's, same server (${what})` });
        ratios.push({ of: `crossipc:${spec.name}`, to: `ref:${ctx.reference.spec.name}` });
      }
      await ctx.run({
        caseId: "clients",
        caseTitle: "1c. Each client, one reference server",
        variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
        unit: "req/s",
        higher: true,
        competitors,
        ratios,
        client: `the measured clients, each in a driver process of its runtime; server: the reference server (plain ws, bench/_reference.ts) on ${ctx.reference.spec.name}; CPU is the client process's`,
      });
    }
  },
  profileClient: true,
  async profile(variant, { driver, ports, ms }) {
    const { size, inflight } = parseVariant(variant.variant);
    await driver.call("rpc", { kind: "crossipc", port: ports["ref"], inflight, size, ms: 300 });
    await driver.call("rpc", { kind: "crossipc", port: ports["ref"], inflight, size, ms }, callMs(ms));
  },
};
