/** 2. Server → client requests by runtimeId (2a) and fire-and-forget client → server (2b). */
import { callMs } from "../_config.ts";
import { rawLabel, type Family } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import { isNode } from "../_runtimes.ts";

const kindsOf = (node: boolean) => (node ? ["raw", "orig", "crossipc"] : ["raw", "crossipc"]);
const groupOf = (kind: string): Competitor["group"] => (kind === "raw" ? "limit" : kind === "orig" ? "original" : "crossipc");

export const messages: Family = {
  cases: ["s2c", "ff"],
  roles: (spec) => (isNode(spec) ? ["raw", "orig", "crossipc"] : ["raw", "crossipc"]),
  async run(ctx) {
    if (ctx.wants("s2c")) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      for (const spec of ctx.active) {
        const s = ctx.side(spec);
        for (const kind of kindsOf(isNode(spec))) {
          await s.driver.call("s2c-serve", { kind, port: s.ports[kind] });
          competitors.push({
            key: `${kind}:${spec.name}`,
            label: kind === "raw" ? `${rawLabel(spec)}, server-driven` : kind === "orig" ? "original design" : "crossipc",
            runtime: spec.name,
            group: groupOf(kind),
            cpuOf: [s.host, s.driver],
            measure: async (ms) => fromLoad(await s.host.call("s2c", { kind, inflight: 64, size: "small", ms }, callMs(ms))),
          });
        }
        ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
        if (isNode(spec)) ratios.push({ of: `orig:${spec.name}`, to: `raw:${spec.name}` });
      }
      await ctx.run({ caseId: "s2c", caseTitle: "2a. Server → client requests by runtimeId", variant: "~100 B, 64 in flight", unit: "req/s", higher: true, competitors, ratios });
    }
    if (ctx.wants("ff")) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      for (const spec of ctx.active) {
        const s = ctx.side(spec);
        for (const kind of kindsOf(isNode(spec))) {
          competitors.push({
            key: `${kind}:${spec.name}`,
            label: kind === "raw" ? `${rawLabel(spec)}, one-way` : kind === "orig" ? "original design" : "crossipc",
            runtime: spec.name,
            group: groupOf(kind),
            cpuOf: [s.host, s.driver],
            measure: async (ms) => fromLoad(await s.driver.call("ff", { kind, port: s.ports[kind], ms }, callMs(ms))),
          });
        }
        ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
        if (isNode(spec)) ratios.push({ of: `orig:${spec.name}`, to: `raw:${spec.name}` });
      }
      await ctx.run({ caseId: "ff", caseTitle: "2b. Fire-and-forget messages client → server", variant: "~100 B, batches of 500 + one round trip", unit: "msg/s", higher: true, competitors, ratios });
    }
  },
  profileClient: true,
  async profile(variant, { host, driver, ports, ms }) {
    if (variant.caseId === "s2c") {
      await driver.call("s2c-serve", { kind: "crossipc", port: ports["crossipc"] });
      await host.call("s2c", { kind: "crossipc", inflight: 64, size: "small", ms }, callMs(ms));
    } else {
      await driver.call("ff", { kind: "crossipc", port: ports["crossipc"], ms }, callMs(ms));
    }
  },
};
