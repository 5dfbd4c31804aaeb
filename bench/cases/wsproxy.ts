/** 5. WebSocket proxy: an echo through the hub, against http-proxy's raw pipe (the original). */
import { callMs } from "../_config.ts";
import { HOST, parseVariant, SIZE_NAME, type Family } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { Proc } from "../_proc.ts";
import { isNode } from "../_runtimes.ts";

export const wsproxy: Family = {
  cases: ["wsproxy"],
  roles: (spec) => (isNode(spec) ? ["orig", "crossipc"] : ["crossipc"]),
  async run(ctx) {
    if (!ctx.wants("wsproxy")) return;
    for (const size of ["small", "64k"] as const) {
      for (const inflight of [1, 64]) {
        const echo = (key: string, label: string, runtime: string, group: Competitor["group"], url: string, cpuOf?: Proc): Competitor => ({
          key,
          label,
          runtime,
          group,
          cpuOf,
          measure: async (ms) => fromLoad(await ctx.main.driver.call("wsecho", { url, inflight, size, ms }, callMs(ms))),
        });
        const competitors: Competitor[] = [echo("direct", "backend ws echo (direct)", ctx.primary.name, "limit", `ws://${HOST}:${ctx.backendPort}/ws/echo`, ctx.backend)];
        const ratios: Variant["ratios"] = [];
        for (const spec of ctx.nodes) {
          competitors.push(echo(`hp:${spec.name}`, "http-proxy raw pipe (original)", spec.name, "original", `ws://${HOST}:${ctx.side(spec).ports["orig"]}/ws/echo`, ctx.side(spec).host));
        }
        for (const spec of ctx.active) {
          competitors.push(echo(`crossipc:${spec.name}`, "crossipc ws proxy", spec.name, "crossipc", `ws://${HOST}:${ctx.side(spec).ports["crossipc"]}/ws/echo`, ctx.side(spec).host));
          ratios.push({
            of: `crossipc:${spec.name}`,
            to: `hp:${isNode(spec) ? spec.name : ctx.primary.name}`,
            target: { min: 1 },
            targetName: `WS proxy ≥ 1.0× http-proxy pipe (${SIZE_NAME[size]}, ${inflight} in flight)`,
          });
          ratios.push({ of: `crossipc:${spec.name}`, to: "direct" });
        }
        for (const spec of ctx.nodes) ratios.push({ of: `hp:${spec.name}`, to: "direct" });
        await ctx.run({
          caseId: "wsproxy",
          caseTitle: "5. WebSocket proxy: echo through the hub",
          variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
          unit: "msg/s",
          higher: true,
          competitors,
          ratios,
          client: `ws client on ${ctx.primary.name}; backend: ws echo on ${ctx.primary.name}`,
        });
      }
    }
  },
  async profile(variant, { driver, ports, ms }) {
    const { size, inflight } = parseVariant(variant.variant);
    await driver.call("wsecho", { url: `ws://${HOST}:${ports["crossipc"]}/ws/echo`, inflight, size, ms }, callMs(ms));
  },
};
