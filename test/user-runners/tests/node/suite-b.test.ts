import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Mocks } from "crossipc";
import * as s from "../../suite/common.ts";

const tag = "node-b";
const eq = (actual: unknown, expected: unknown, what?: string) => assert.deepEqual(actual, expected, what);
let mocks: Mocks;
before(async () => { mocks = await s.connectMocks(s.port, { runtimeId: tag }); });
after(() => mocks.close());

test("all at once", { concurrency: true }, async (t) => {
  await Promise.all([
    t.test("isolation 1", async () => { await s.isolation(mocks, `${tag}-iso1`, eq); await s.done(`${tag}-iso1`); }),
    t.test("isolation 2", async () => { await s.isolation(mocks, `${tag}-iso2`, eq); await s.done(`${tag}-iso2`); }),
    t.test("faults", async () => { await s.faults(mocks, `${tag}-faults`, eq); await s.done(`${tag}-faults`); }),
    t.test("replay", async () => { await s.replay(mocks, `${tag}-replay`, eq); await s.done(`${tag}-replay`); }),
    t.test("waitFor", async () => { await s.waits(mocks, `${tag}-waits`, eq); await s.done(`${tag}-waits`); }),
    t.test("latency, bandwidth, probability", async () => { await s.timing(mocks, `${tag}-timing`, eq); await s.done(`${tag}-timing`); }),
    t.test("WebSocket faults", async () => { await s.wsFaults(mocks, `${tag}-wsfaults`, eq); await s.done(`${tag}-wsfaults`); }),
    t.test("websocket", async () => { await s.websocket(mocks, `${tag}-ws`, eq); await s.done(`${tag}-ws`); }),
  ]);
});
