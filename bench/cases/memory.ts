/** 6. Server memory per idle client: a fresh server process per row, RSS growth after GC. */
import { IDLE_CLIENTS } from "../_config.ts";
import { HOST, rawLabel, type Family } from "../_family.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { RuntimeSpec } from "../_proc.ts";
import { sleep } from "../_rt.ts";
import { spawnHost } from "../_runtimes.ts";

export const memory: Family = {
  cases: ["memory"],
  async run(ctx) {
    if (!ctx.wants("memory")) return;
    // Load-generating connections are not needed any more, and this case wants a quiet machine.
    await Promise.all(ctx.active.map((spec) => ctx.side(spec).driver.call("close-all").catch(() => {})));
    const competitors: Competitor[] = [];
    const ratios: Variant["ratios"] = [];
    const budgets: NonNullable<Variant["budgets"]> = [];
    const memoryOf = (spec: RuntimeSpec, role: string): Competitor => ({
      key: `${role}:${spec.name}`,
      label: role === "raw" ? rawLabel(spec) : role === "orig" ? "original design" : role === "crossws" ? "crossws alone (diagnostic)" : "crossipc",
      runtime: spec.name,
      group: role === "raw" ? "limit" : role === "orig" ? "original" : role === "crossws" ? "reference" : "crossipc",
      single: true,
      measure: async () => {
        const host = spawnHost(spec, role, ctx.backendUrl, spec.gcArgs);
        try {
          const ports = (await host.ready).ready;
          await sleep(300);
          const before = await host.call("mem");
          const pathAndQuery = role === "raw" || role === "crossws" ? "/echo?i={i}" : "/__ggFrameworkConnection?runtimeId=idle-{i}";
          const opened = await ctx.main.driver.call("idle-open", { url: `ws://${HOST}:${ports[role]}${pathAndQuery}`, n: IDLE_CLIENTS });
          await sleep(1000);
          const after = await host.call("mem");
          await ctx.main.driver.call("idle-close");
          const kib = (bytes: number) => bytes / opened / 1024;
          return {
            value: kib(after.rss - before.rss),
            note: `heap+external ${kib(after.heapUsed + after.external - before.heapUsed - before.external).toFixed(1)} KiB/client`,
          };
        } finally {
          await host.stop(2000);
        }
      },
    });
    for (const spec of ctx.active) {
      competitors.push(memoryOf(spec, "raw"));
      if (spec === ctx.primary) competitors.push(memoryOf(spec, "orig"));
      competitors.push(memoryOf(spec, "crossws"));
      competitors.push(memoryOf(spec, "crossipc"));
      budgets.push({ of: `crossipc:${spec.name}`, max: 30, targetName: "≤ 30 KiB server memory per idle client" });
      ratios.push({ of: `crossipc:${spec.name}`, to: `raw:${spec.name}` });
    }
    ratios.push({ of: `crossipc:${ctx.primary.name}`, to: `orig:${ctx.primary.name}` });
    await ctx.run({
      caseId: "memory",
      caseTitle: "6. Server memory per idle client",
      variant: `${IDLE_CLIENTS} idle clients, RSS growth after GC`,
      unit: "KiB/client",
      higher: false,
      competitors,
      ratios,
      budgets,
      client: `${IDLE_CLIENTS} ws clients on ${ctx.primary.name}; a fresh server process per row`,
    });
  },
};
