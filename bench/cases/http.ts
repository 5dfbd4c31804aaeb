/** 3. HTTP intercept route and 4. HTTP reverse proxy, loaded with autocannon from the orchestrator. */
import { HOST, type Family } from "../_family.ts";
import { cannon } from "../_measure.ts";
import type { Competitor, Variant } from "../_model.ts";
import { isNode } from "../_runtimes.ts";

export const http: Family = {
  cases: ["intercept", "proxy"],
  roles: (spec) => (isNode(spec) ? ["orig", "peer", "crossipc"] : ["crossipc"]),
  async run(ctx) {
    if (ctx.wants("intercept")) {
      const competitors: Competitor[] = [
        { key: "plain", label: "plain node:http (direct)", runtime: ctx.primary.name, group: "limit", cpuOf: ctx.backend, measure: (ms) => cannon(`${ctx.backendUrl}/users/42`, ms) },
      ];
      const ratios: Variant["ratios"] = [];
      for (const spec of ctx.active) {
        const s = ctx.side(spec);
        // Each Node's find-my-way right before its crossipc, so their per-round ratio is taken close in time.
        if (isNode(spec)) {
          competitors.push({ key: `fmw:${spec.name}`, label: "find-my-way on node:http (original)", runtime: spec.name, group: "original", cpuOf: s.host, measure: (ms) => cannon(`http://${HOST}:${s.ports["orig"]}/users/42`, ms) });
        }
        competitors.push({ key: `crossipc:${spec.name}`, label: "crossipc interceptHttp", runtime: spec.name, group: "crossipc", cpuOf: s.host, measure: (ms) => cannon(`http://${HOST}:${s.ports["crossipc"]}/users/42`, ms) });
        ratios.push({
          of: `crossipc:${spec.name}`,
          to: `fmw:${isNode(spec) ? spec.name : ctx.primary.name}`,
          ...(isNode(spec) ? { target: { min: 1 }, targetName: "HTTP intercept ≥ 1.0× find-my-way on node:http" } : {}),
        });
        ratios.push({ of: `crossipc:${spec.name}`, to: "plain" });
      }
      for (const spec of ctx.nodes) ratios.push({ of: `fmw:${spec.name}`, to: "plain" });
      await ctx.run({ caseId: "intercept", caseTitle: "3. HTTP intercept route with a path param", variant: "GET /users/:id, 50 connections", unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
    }
    if (ctx.wants("proxy")) {
      const url = (port: number) => `http://${HOST}:${port}/api/items?page=1`;
      const competitors: Competitor[] = [
        { key: "direct", label: "backend direct (node:http)", runtime: ctx.primary.name, group: "limit", cpuOf: ctx.backend, measure: (ms) => cannon(url(ctx.backendPort), ms) },
        { key: "orig", label: "http-proxy default (original)", runtime: ctx.primary.name, group: "original", cpuOf: ctx.main.host, measure: (ms) => cannon(url(ctx.main.ports["orig"]!), ms) },
      ];
      const ratios: Variant["ratios"] = [];
      for (const spec of ctx.active) {
        const s = ctx.side(spec);
        if (isNode(spec)) {
          competitors.push({ key: `peer:${spec.name}`, label: "http-proxy + keep-alive agent", runtime: spec.name, group: "peer", cpuOf: s.host, measure: (ms) => cannon(url(s.ports["peer"]!), ms) });
        }
        competitors.push({ key: `crossipc:${spec.name}`, label: "crossipc proxy", runtime: spec.name, group: "crossipc", cpuOf: s.host, measure: (ms) => cannon(url(s.ports["crossipc"]!), ms) });
        ratios.push({ of: `crossipc:${spec.name}`, to: `peer:${isNode(spec) ? spec.name : ctx.primary.name}`, target: { min: 1 }, targetName: "HTTP proxy ≥ 1.0× http-proxy with keep-alive" });
        ratios.push({ of: `crossipc:${spec.name}`, to: "orig" });
        ratios.push({ of: `crossipc:${spec.name}`, to: "direct" });
      }
      ratios.push({ of: "orig", to: `peer:${ctx.primary.name}` });
      await ctx.run({ caseId: "proxy", caseTitle: "4. HTTP reverse proxy to a node:http backend", variant: "GET /api/items, 50 connections", unit: "req/s", higher: true, competitors, ratios, client: "autocannon, 50 connections" });
    }
  },
  async profile(variant, { ports, ms }) {
    const url = variant.caseId === "intercept" ? `http://${HOST}:${ports["crossipc"]}/users/42` : `http://${HOST}:${ports["crossipc"]}/api/items?page=1`;
    await cannon(url, 500);
    await cannon(url, ms);
  },
};
