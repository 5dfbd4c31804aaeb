/**
 * 8. The request journal's cost: the same IPCServer with its journal on (the default) and off
 * (`{ journal: false }`), each runtime's own client, RPC round trips.
 *
 * Runs when the option exists in src/ (or when BENCH_CASES names `journal`); until then it is
 * the slot for that comparison.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { callMs, log, ROOT } from "../_config.ts";
import { SIZE_NAME, type Family } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { PayloadSize } from "../_rt.ts";

const serverSource = path.join(ROOT, "src", "server", "IPCServer.ts");
/** Whether IPCServerOptions declares `journal` (the journal helper's branch adds it). */
const hasJournalOption = existsSync(serverSource) && /^\s*journal\?:/m.test(readFileSync(serverSource, "utf8"));

export const journal: Family = {
  cases: ["journal"],
  optional: hasJournalOption ? [] : ["journal"],
  roles: () => (hasJournalOption ? ["crossipc", "crossipc-nojournal"] : []),
  async run(ctx) {
    if (!ctx.wants("journal")) return;
    if (!hasJournalOption) {
      log("8. journal: IPCServerOptions has no `journal` option on this commit: nothing to compare");
      return;
    }
    const variants: Array<[PayloadSize, number]> = [
      ["small", 1],
      ["small", 64],
    ];
    for (const [size, inflight] of variants) {
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
            measure: async (ms) => fromLoad(await s.driver.call("rpc", { kind: "crossipc", port: s.ports[role], inflight, size, ms }, callMs(ms))),
          });
        }
        ratios.push({ of: `on:${spec.name}`, to: `off:${spec.name}` });
      }
      await ctx.run({
        caseId: "journal",
        caseTitle: "5b. The journal's cost (on vs off)",
        variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
        unit: "req/s",
        higher: true,
        competitors,
        ratios,
        client: "each runtime's own IPCClient; CPU is the server process's",
      });
    }
  },
};
