/** 1. RPC round trip client → server: each runtime's own client and server against its raw echo (and the original design on Node). */
import { callMs } from "../_config.ts";
import { HOST, rawLabel, SIZE_NAME, parseVariant, type Family, type Side } from "../_family.ts";
import { fromLoad } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import type { PayloadSize } from "../_rt.ts";
import { isNode } from "../_runtimes.ts";

const VARIANTS: Array<[PayloadSize, number]> = [
  ["small", 1],
  ["small", 64],
  ["64k", 1],
  ["64k", 64],
  ["64k-records", 64],
];

/** Issue 13: ≥ 0.9× at 1 in flight; 0.85× at 64; 64 KiB carries JSON the echo never parses. */
function targetOf(size: PayloadSize, inflight: number): number | undefined {
  if (size === "64k-records") return undefined;
  if (size === "64k") return 0.75;
  return inflight === 1 ? 0.9 : 0.85;
}

function competitor(s: Side, kind: string, group: Competitor["group"], label: string, inflight: number, size: string): Competitor {
  return {
    key: `${kind}:${s.spec.name}`,
    label,
    runtime: s.spec.name,
    group,
    cpuOf: [s.host, s.driver],
    measure: async (ms) => fromLoad(await s.driver.call("rpc", { kind, port: s.ports[kind], inflight, size, ms }, callMs(ms))),
  };
}

export const rpc: Family = {
  cases: ["rpc"],
  roles: (spec) => (isNode(spec) ? ["raw", "orig", "crossipc", "crossws"] : ["raw", "crossipc", "crossws"]),
  async run(ctx) {
    if (!ctx.wants("rpc")) return;
    for (const [size, inflight] of VARIANTS) {
      const competitors: Competitor[] = [];
      const ratios: Variant["ratios"] = [];
      const target = targetOf(size, inflight);
      const sides = ctx.active.map(ctx.side);
      // With and without bufferutil where frames are large enough for it to matter.
      if (size === "64k" && ctx.bufferutil) sides.splice(1, 0, ctx.bufferutil);
      for (const s of sides) {
        const rt = s.spec.name;
        competitors.push(competitor(s, "raw", "limit", rawLabel(s.spec), inflight, size));
        if (isNode(s.spec)) competitors.push(competitor(s, "orig", "original", "original design", inflight, size));
        competitors.push(competitor(s, "crossipc", "crossipc", "crossipc", inflight, size));
        // Where the time goes on the framework path: the same echo as the raw row, through crossws's
        // server hooks (and srvx) but without crossipc, answered to the raw row's client.
        if (size === "small" && !rt.includes("+")) {
          competitors.push({
            key: `crossws:${rt}`,
            label: "crossws echo, raw client (diagnostic)",
            runtime: rt,
            group: "reference",
            cpuOf: [s.host, s.driver],
            measure: async (ms) => fromLoad(await s.driver.call("wsecho", { url: `ws://${HOST}:${s.ports["crossws"]}/echo`, inflight, size, ms }, callMs(ms))),
          });
          ratios.push({ of: `crossws:${rt}`, to: `raw:${rt}` });
          ratios.push({ of: `crossipc:${rt}`, to: `crossws:${rt}` });
        }
        ratios.push({ of: `crossipc:${rt}`, to: `raw:${rt}`, ...(target && !rt.includes("+") ? { target: { min: target }, targetName: `RPC ≥ ${target}× raw echo (${SIZE_NAME[size]}, ${inflight} in flight)` } : {}) });
        if (isNode(s.spec)) {
          ratios.push({ of: `orig:${rt}`, to: `raw:${rt}` });
          ratios.push({ of: `crossipc:${rt}`, to: `orig:${rt}` });
        }
      }
      if (ctx.bufferutil && size === "64k") {
        const bu = ctx.bufferutil.spec.name;
        ratios.push({ of: `crossipc:${bu}`, to: `crossipc:${ctx.primary.name}` });
        ratios.push({ of: `raw:${bu}`, to: `raw:${ctx.primary.name}` });
      }
      await ctx.run({
        caseId: "rpc",
        caseTitle: "1. RPC round trip client → server",
        variant: `${SIZE_NAME[size]}, ${inflight} in flight`,
        unit: "req/s",
        higher: true,
        competitors,
        ratios,
        client: "each runtime's own client (IPCClient / ws / WebSocket) in a second process of that runtime",
      });
    }
  },
  profileClient: true,
  async profile(variant, { driver, ports, ms }) {
    const { size, inflight } = parseVariant(variant.variant);
    await driver.call("rpc", { kind: "crossipc", port: ports["crossipc"], inflight, size, ms: 300 });
    await driver.call("rpc", { kind: "crossipc", port: ports["crossipc"], inflight, size, ms }, callMs(ms));
  },
};
