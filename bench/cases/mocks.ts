/**
 * 10. Mocks from another process (issue 17, SPEC §10), loaded with autocannon:
 * - a request answered by a remote mock (`connectMocks` in another host process, `intercept`
 *   returning the same data) vs the same handler as the hub's own `interceptHttp` route:
 *   req/s ≥ 0.5× and p50 added latency ≤ 1 ms (read the p50 columns: autocannon's are whole ms);
 * - 1,000 scopes × 10 rules registered: an unscoped proxied request vs a hub with none
 *   (≤ 1.05× server CPU/req, i.e. req/s ≥ 0.95×), and a scoped request to a mocked route vs the
 *   same scope's 10 rules alone (≤ 1.1× server CPU/req, i.e. req/s ≥ 0.9×).
 * The mocks' handlers run in the mocker process, so the server CPU is the hub's relaying alone.
 * `mocks-latency` also offers both arms one fixed rate (open loop, bench/_openLoop.ts): the p50
 * difference there is the latency a relay adds, apart from the throughput gap.
 */
import { HOST, type Family } from "../_family.ts";
import { cannon } from "../_measure.ts";
import { openLoop } from "../_openLoop.ts";
import type { Competitor, Variant } from "../_model.ts";
import { spawnHost } from "../_runtimes.ts";

export const mocks: Family = {
  cases: ["mocks", "mocks-latency"],
  // The unloaded latency variant (1 connection) alone: BENCH_CASES=mocks-latency.
  optional: ["mocks-latency"],
  roles: () => ["crossipc", "mocks-hub", "scopes-one", "scopes-many"],
  async run(ctx) {
    if (!ctx.wants("mocks") && !ctx.wants("mocks-latency")) return;
    // The test's process: a host with no server of its own, on the primary Node.
    const mocker = spawnHost(ctx.primary, "mocker", ctx.backendUrl);
    await mocker.ready;
    try {
      for (const spec of ctx.active) {
        const p = ctx.side(spec).ports;
        await mocker.call("mock", { port: p["mocks-hub"], scopes: 0, rules: 1 });
        if (!ctx.wants("mocks")) continue;
        await mocker.call("mock", { port: p["scopes-one"], scopes: 1, rules: 10 });
        await mocker.call("mock", { port: p["scopes-many"], scopes: 1000, rules: 10 }, 600_000);
      }
      const url = (port: number, path: string) => `http://${HOST}:${port}${path}`;
      const scoped = { headers: { "x-crossipc-scope": "bench-scope-0" } };

      if (ctx.wants("mocks")) await compare(ctx, "GET /users/:id, remote mock vs local interceptHttp, 50 connections", [
        ["local", "crossipc", "local interceptHttp route", (port) => (ms) => cannon(url(port, "/users/42"), ms)],
        ["remote", "mocks-hub", "remote mock (connectMocks, another process)", (port) => (ms) => cannon(url(port, "/users/42"), ms)],
      ], [
        { target: { min: 0.5 }, targetName: "remote mock ≥ 0.5× local intercept route (req/s)" },
        { metric: "p50" },
      ]);
      // At 50 connections p50 is mostly queueing (≈ 50 ÷ req/s), so the added latency of one
      // relay is also read unloaded, one request at a time.
      const one = { connections: 1 };
      if (ctx.wants("mocks-latency")) await compare(ctx, "GET /users/:id, remote mock vs local interceptHttp, 1 connection (added latency)", [
        ["local", "crossipc", "local interceptHttp route", (port) => (ms) => cannon(url(port, "/users/42"), ms, one)],
        ["remote", "mocks-hub", "remote mock (connectMocks, another process)", (port) => (ms) => cannon(url(port, "/users/42"), ms, one)],
      ], [{ metric: "p50" }], "mocks-latency");
      // The added latency at one offered load below both arms' capacity (open loop: a fixed rate,
      // latency from when each request was due), where the closed loop above measures saturation.
      if (ctx.wants("mocks-latency")) await openLoopLatency(ctx, url);
      if (!ctx.wants("mocks")) return;
      await compare(ctx, "unscoped proxied GET /api/items, 1,000 scopes × 10 rules vs none, 50 connections", [
        ["none", "crossipc", "no mocks registered", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
        ["many", "scopes-many", "1,000 scopes × 10 rules registered", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
      ], [{ target: { min: 0.95 }, targetName: "unscoped request, 10,000 scoped rules ≥ 0.95× none (≤ 1.05× CPU/req)" }]);
      await compare(ctx, "scoped GET /scoped/r0/:id to its mock, 1,000 scopes × 10 rules vs that scope alone, 50 connections", [
        ["one", "scopes-one", "1 scope × 10 rules", (port) => (ms) => cannon(url(port, "/scoped/r0/42"), ms, scoped)],
        ["many", "scopes-many", "1,000 scopes × 10 rules", (port) => (ms) => cannon(url(port, "/scoped/r0/42"), ms, scoped)],
      ], [{ target: { min: 0.9 }, targetName: "scoped mocked request, 1,000 scopes ≥ 0.9× one scope (≤ 1.1× CPU/req)" }]);
    } finally {
      await mocker.stop();
    }
  },
};

/** Offered load of the open-loop latency variant: below both arms' capacity on a loaded 2-core machine. */
const OPEN_LOOP_RATE = 1000;

async function openLoopLatency(ctx: Parameters<Family["run"]>[0], url: (port: number, path: string) => string): Promise<void> {
  const competitors: Competitor[] = [];
  const ratios: Variant["ratios"] = [];
  const load = { rate: OPEN_LOOP_RATE, connections: 50 };
  for (const spec of ctx.active) {
    const s = ctx.side(spec);
    competitors.push({ key: `local:${spec.name}`, label: "local interceptHttp route", runtime: spec.name, group: "limit", cpuOf: s.host, measure: (ms) => openLoop(url(s.ports["crossipc"]!, "/users/42"), ms, load) });
    competitors.push({ key: `remote:${spec.name}`, label: "remote mock (connectMocks, another process)", runtime: spec.name, group: "crossipc", cpuOf: s.host, measure: (ms) => openLoop(url(s.ports["mocks-hub"]!, "/users/42"), ms, load) });
    ratios.push({ of: `remote:${spec.name}`, to: `local:${spec.name}`, metric: "p50" });
  }
  await ctx.run({
    caseId: "mocks-latency",
    caseTitle: "10. Mocks from another process",
    variant: `GET /users/:id, remote mock vs local interceptHttp, open loop ${OPEN_LOOP_RATE} req/s over 50 connections (p50 ms, added latency)`,
    unit: "ms p50",
    higher: false,
    competitors,
    ratios,
    client: `open loop, ${OPEN_LOOP_RATE} req/s, 50 keep-alive connections`,
  });
}

type Arm = [key: string, role: string, label: string, load: (port: number) => Competitor["measure"]];

/** Two arms per runtime, the first the baseline; each extra ratio spec compares the second to the first. */
export async function compare(ctx: Parameters<Family["run"]>[0], variant: string, arms: [Arm, Arm], extra: Array<Partial<Variant["ratios"][number]>>, caseId = "mocks", caseTitle = "10. Mocks from another process"): Promise<void> {
  const competitors: Competitor[] = [];
  const ratios: Variant["ratios"] = [];
  for (const spec of ctx.active) {
    const s = ctx.side(spec);
    for (const [i, [key, role, label, load]] of arms.entries()) {
      competitors.push({ key: `${key}:${spec.name}`, label, runtime: spec.name, group: i === 0 ? "limit" : "crossipc", cpuOf: s.host, measure: load(s.ports[role]!) });
    }
    for (const r of extra) ratios.push({ of: `${arms[1][0]}:${spec.name}`, to: `${arms[0][0]}:${spec.name}`, ...r });
  }
  await ctx.run({ caseId, caseTitle, variant, unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
}
