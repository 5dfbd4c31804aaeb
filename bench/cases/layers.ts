/**
 * 1d. Where one round trip's time goes (issue 20), per runtime and per end: the rungs of
 * bench/_ladder.ts, each one thing more than the one before, measured in interleaved rounds. The
 * server rows share one client (the raw echo loop, sending a request frame) and count the server
 * process's CPU; the client rows share one server (crossipc's, on the same runtime) and count the
 * client process's. Optional (`BENCH_CASES=layers`): a diagnostic, not a target.
 */
import { callMs } from "../_config.ts";
import { HOST, SIZE_NAME, type Family, type Side } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { PayloadSize } from "../_rt.ts";

const VARIANTS: Array<[PayloadSize, number]> = [
  ["small", 1],
  ["small", 64],
  ["64k", 64],
];

/** Server rungs: [key, label, host role, URL path]. */
const SERVER_RUNGS: Array<[string, string, string, string]> = [
  ["s0-raw", "server: the runtime's raw echo", "raw", "/echo"],
  ["s1-crossws", "server: + crossws (echo hook)", "ladder", "/echo"],
  ["s2-frame", "server: + frame parse, answer spliced", "ladder", "/frame"],
  ["s3-json", "server: + JSON parse/stringify", "ladder", "/json"],
  ["s4-await", "server: + answer after await", "ladder", "/await"],
  ["s5-ipcsocket", "server: IPCSocket alone", "ladder", "/ipcsocket"],
  ["s6-nojournal", "server: crossipc, journal off", "crossipc-nojournal", "/__ggFrameworkConnection"],
  ["s7-crossipc", "server: crossipc (default)", "crossipc", "/__ggFrameworkConnection"],
];

/** Client rungs: [key, label, driver kind]. */
const CLIENT_RUNGS: Array<[string, string, string]> = [
  ["c0-raw", "client: echo loop, no promise", "raw"],
  ["c1-ref", "client: + promise, matched by id", "ref"],
  ["c2-decode", "client: + answer decoded (JSON.parse)", "decode"],
  ["c3-ipcsocket", "client: IPCSocket alone", "ipcsocket"],
  ["c4-ipcclient", "client: IPCClient", "ipcclient"],
];

export const layers: Family = {
  cases: ["layers"],
  optional: ["layers"],
  roles: () => ["raw", "crossipc", "crossipc-nojournal", "ladder"],
  async run(ctx) {
    if (!ctx.wants("layers")) return;
    for (const [size, inflight] of VARIANTS) {
      for (const spec of ctx.active) {
        const s: Side = ctx.side(spec);
        const rt = spec.name;
        const competitors: Competitor[] = [];
        const ratios: Variant["ratios"] = [];
        const row = (key: string, label: string, cpuOf: Competitor["cpuOf"], command: Record<string, unknown>): Competitor => ({
          key: `${key}:${rt}`,
          label,
          runtime: rt,
          group: "reference",
          cpuOf,
          measure: async (ms) => fromLoad(await s.driver.call("ladder", { ...command, inflight, size, ms }, callMs(ms))),
        });
        SERVER_RUNGS.forEach(([key, label, role, path], i) => {
          competitors.push(row(key, label, s.host, { kind: "raw", url: `ws://${HOST}:${s.ports[role]}${path}` }));
          if (i > 0) ratios.push({ of: `${key}:${rt}`, to: `${SERVER_RUNGS[i - 1]![0]}:${rt}` });
        });
        const framework = `ws://${HOST}:${s.ports["crossipc"]}/__ggFrameworkConnection`;
        CLIENT_RUNGS.forEach(([key, label, kind], i) => {
          competitors.push(row(key, label, s.driver, { kind, url: framework }));
          if (i > 0) ratios.push({ of: `${key}:${rt}`, to: `${CLIENT_RUNGS[i - 1]![0]}:${rt}` });
        });
        await ctx.run({
          caseId: "layers",
          caseTitle: "1d. Where a round trip's time goes (rungs)",
          variant: `${SIZE_NAME[size]}, ${inflight} in flight — ${rt}`,
          unit: "req/s",
          higher: true,
          competitors,
          ratios,
          client: "server rows: the raw echo loop of the same runtime sending a request frame, CPU of the server process; client rows: against crossipc's server on the same runtime, CPU of the client process",
        });
      }
    }
  },
};
