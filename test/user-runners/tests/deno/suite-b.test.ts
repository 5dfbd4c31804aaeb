import assert from "node:assert/strict";
import * as s from "../../suite/common.ts";

const tag = "deno-b";
const eq = (actual: unknown, expected: unknown, what?: string) => assert.deepEqual(actual, expected, what);

for (const scenario of [s.isolation, s.faults, s.replay, s.websocket, s.waits, s.timing, s.wsFaults]) {
  Deno.test(scenario.name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: `${tag}-${scenario.name}` });
    await scenario(mocks, `${tag}-${scenario.name}`, eq);
    await s.done(`${tag}-${scenario.name}`);
  });
}
