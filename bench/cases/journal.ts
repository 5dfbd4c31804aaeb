/**
 * 8. The request journal's cost: the same IPCServer with its journal on (the default) and off
 * (`{ journal: false }`) on each runtime, for what the journal records: framework requests
 * (RPC, each runtime's own client), intercept routes and proxied requests (autocannon).
 * Issue target: on stays within 5% of off, i.e. on/off ≥ 0.95×.
 */
import { callMs } from "../_config.ts";
import { HOST, SIZE_NAME, type Family } from "../_family.ts";
import { cannon, fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { PayloadSize } from "../_rt.ts";

const TARGET = { min: 0.95 };
const TARGET_NAME = "journal on ≥ 0.95× journal off";

export const journal: Family = {
  cases: ["journal"],
  roles: () => ["crossipc", "crossipc-nojournal"],
  async run(ctx) {
    if (!ctx.wants("journal")) return;
    const rpcVariants: Array<[PayloadSize, number]> = [
      ["small", 1],
      ["small", 64],
    ];
    for (const [size, inflight] of rpcVariants) {
      await compare(ctx, `RPC ${SIZE_NAME[size]}, ${inflight} in flight`, "each runtime's own IPCClient; CPU is the server process's", (s, port) => async (ms) =>
        fromLoad(await s.driver.call("rpc", { kind: "crossipc", port, inflight, size, ms }, callMs(ms))),
      );
    }
    const http = (path: string) => (_side: unknown, port: number) => (ms: number) => cannon(`http://${HOST}:${port}${path}`, ms);
    await compare(ctx, "intercept GET /users/:id, 50 connections", "autocannon, 50 connections", http("/users/42"));
    await compare(ctx, "proxy GET /api/items, 50 connections", "autocannon, 50 connections", http("/api/items?page=1"));
  },
};

/** One variant: journal off and on for every runtime, side by side. */
async function compare(
  ctx: Parameters<Family["run"]>[0],
  variant: string,
  client: string,
  load: (side: any, port: number) => Competitor["measure"],
): Promise<void> {
  const competitors: Competitor[] = [];
  const ratios: Variant["ratios"] = [];
  for (const spec of ctx.active) {
    const s = ctx.side(spec);
    for (const [key, role, label] of [
      ["off", "crossipc-nojournal", "crossipc, journal: false"],
      ["on", "crossipc", "crossipc (journal on, the default)"],
    ] as const) {
      competitors.push({
        key: `${key}:${spec.name}`,
        label,
        runtime: spec.name,
        group: key === "off" ? "limit" : "crossipc",
        cpuOf: s.host,
        measure: load(s, s.ports[role]!),
      });
    }
    ratios.push({ of: `on:${spec.name}`, to: `off:${spec.name}`, target: TARGET, targetName: TARGET_NAME });
  }
  await ctx.run({ caseId: "journal", caseTitle: "5b. The journal's cost (on vs off)", variant, unit: "req/s", higher: true, competitors, ratios, client });
}
