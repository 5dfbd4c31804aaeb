import { test } from "node:test";
import assert from "node:assert/strict";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => assert.deepEqual(a, b, what);
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async (t) => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "node-b-" + name, signal: t.signal });
    await scenario(mocks, "node-b-" + name, eq);
    await s.done("node-b-" + name);
  });
}
