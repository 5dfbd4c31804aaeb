import * as s from "../../suite/common.ts";
import { eq, test } from "./_fixture.ts";

const tag = "vitest-b";
test.concurrent("isolation 1", async ({ mocks }) => { await s.isolation(mocks, `${tag}-iso1`, eq); await s.done(`${tag}-iso1`); });
test.concurrent("isolation 2", async ({ mocks }) => { await s.isolation(mocks, `${tag}-iso2`, eq); await s.done(`${tag}-iso2`); });
test.concurrent("faults", async ({ mocks }) => { await s.faults(mocks, `${tag}-faults`, eq); await s.done(`${tag}-faults`); });
test.concurrent("replay", async ({ mocks }) => { await s.replay(mocks, `${tag}-replay`, eq); await s.done(`${tag}-replay`); });
test.concurrent("websocket", async ({ mocks }) => { await s.websocket(mocks, `${tag}-ws`, eq); await s.done(`${tag}-ws`); });
test.concurrent("waitFor", async ({ mocks }) => { await s.waits(mocks, `${tag}-waits`, eq); await s.done(`${tag}-waits`); });
test.concurrent("latency, bandwidth, probability", async ({ mocks }) => { await s.timing(mocks, `${tag}-timing`, eq); await s.done(`${tag}-timing`); });
test.concurrent("WebSocket faults", async ({ mocks }) => { await s.wsFaults(mocks, `${tag}-wsfaults`, eq); await s.done(`${tag}-wsfaults`); });
test.concurrent("the scope fixture's own scope", async ({ scope }) => {
  await scope.intercept("GET", "/shop/price/:item", () => ({ fixture: tag }));
  eq(await (await fetch(`${s.hub}/shop/price/x`, { headers: scope.headers })).json(), { fixture: tag });
  eq(await (await fetch(`${s.hub}/shop/price/x`)).json(), { item: "x", price: 0, source: "service" });
  await s.done(`${tag}-fixture`);
});
