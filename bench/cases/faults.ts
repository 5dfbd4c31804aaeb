/**
 * 9. What faults cost requests they do not match: the same IPCServer without faults and with 100
 * faults on other routes (`server.fault`), for intercept routes and proxied requests (autocannon).
 * Issue target (SPEC §12): a request that matches none costs ≤ 1.02× what it costs with no
 * faults, i.e. with/without ≥ 0.98× (read the server's CPU per request next to it).
 */
import { HOST, type Family } from "../_family.ts";
import { cannon } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";

const TARGET = { min: 0.98 };
const TARGET_NAME = "100 faults elsewhere ≥ 0.98× no faults";

export const faults: Family = {
  cases: ["faults"],
  roles: () => ["crossipc", "crossipc-faults"],
  async run(ctx) {
    if (!ctx.wants("faults")) return;
    const http = (path: string) => (_side: unknown, port: number) => (ms: number) => cannon(`http://${HOST}:${port}${path}`, ms);
    await compare(ctx, "intercept GET /users/:id, 50 connections", http("/users/42"));
    await compare(ctx, "proxy GET /api/items, 50 connections", http("/api/items?page=1"));
  },
};

async function compare(ctx: Parameters<Family["run"]>[0], variant: string, load: (side: any, port: number) => Competitor["measure"]): Promise<void> {
  const competitors: Competitor[] = [];
  const ratios: Variant["ratios"] = [];
  for (const spec of ctx.active) {
    const s = ctx.side(spec);
    for (const [key, role, label] of [
      ["none", "crossipc", "crossipc, no faults"],
      ["elsewhere", "crossipc-faults", "crossipc, 100 faults on other routes"],
    ] as const) {
      competitors.push({ key: `${key}:${spec.name}`, label, runtime: spec.name, group: key === "none" ? "limit" : "crossipc", cpuOf: s.host, measure: load(s, s.ports[role]!) });
    }
    ratios.push({ of: `elsewhere:${spec.name}`, to: `none:${spec.name}`, target: TARGET, targetName: TARGET_NAME });
  }
  await ctx.run({ caseId: "faults", caseTitle: "5c. Faults on other routes", variant, unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
}
