/**
 * 11. Record and replay (issue 18, SPEC §11), loaded with autocannon:
 * - replay of a 10,000-entry HAR (`server.replay`) vs the same answers from a local intercept
 *   route: req/s ≥ 0.9×. The request is the recording's last entry, GET /items/9999, so a lookup
 *   that scanned the entries would pay for all of them.
 * - recording with bodies (what `--record` sets: 1,000 entries, bodies cut at 10 MiB) through
 *   the proxy vs recording off (the default journal): server CPU per request ≤ 1.15×.
 */
import { HOST, type Family } from "../_family.ts";
import { cannon } from "../_measure.ts";
import { compare } from "./mocks.ts";

export const replay: Family = {
  cases: ["replay"],
  roles: () => ["crossipc", "replay", "replay-local", "record"],
  async run(ctx) {
    if (!ctx.wants("replay")) return;
    const url = (port: number, path: string) => `http://${HOST}:${port}${path}`;
    const title = "11. Record and replay";
    await compare(ctx, "GET /items/9999, 10,000-entry HAR replay vs local interceptHttp, 50 connections", [
      ["local", "replay-local", "local interceptHttp route", (port) => (ms) => cannon(url(port, "/items/9999"), ms)],
      ["replay", "replay", "replay of a 10,000-entry HAR", (port) => (ms) => cannon(url(port, "/items/9999"), ms)],
    ], [{ target: { min: 0.9 }, targetName: "10,000-entry replay ≥ 0.9× local intercept route (req/s)" }], "replay", title);
    await compare(ctx, "proxied GET /api/items, recording with bodies vs off, 50 connections", [
      ["off", "crossipc", "recording off (default journal)", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
      ["record", "record", "recording with bodies (as --record)", (port) => (ms) => cannon(url(port, "/api/items?page=1"), ms)],
    ], [{ target: { min: 0.87 }, targetName: "recording with bodies ≥ 0.87× recording off (≤ 1.15× CPU/req)" }], "replay", title);
  },
};
