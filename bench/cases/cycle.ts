/** 7. Lifecycle cost per test: start() + teardown() (and with a connect and a request) against the runtime's bare server. */
import { callMs } from "../_config.ts";
import type { Family } from "../_family.ts";
import type { Competitor, Variant } from "../_model.ts";
import { isNode } from "../_runtimes.ts";

export const cycle: Family = {
  cases: ["cycle"],
  async run(ctx) {
    if (!ctx.wants("cycle")) return;
    for (const full of [false, true]) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      for (const spec of ctx.active) {
        const s = ctx.side(spec);
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
        // Issue 13: ≤ 1.5× on Bun (a suite that starts a hub per test pays it every test); 1.2× elsewhere.
        const max = spec.name === "bun" ? 1.5 : 1.2;
        ratios.push({
          of: `crossipc:${spec.name}`,
          to: `base:${spec.name}`,
          ...(full ? {} : { target: { max }, targetName: `start+teardown ≤ ${max}× the runtime's plain server` }),
        });
      }
      await ctx.run({
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
  },
  profileClient: true,
  async profile(variant, { driver, ms }) {
    await driver.call("cycle", { kind: variant.variant.includes("connect") ? "crossipc-full" : "crossipc-start", ms }, callMs(ms));
  },
};
