import assert from "node:assert/strict";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => assert.deepEqual(a, b, what);
for (const [name, scenario] of Object.entries(s.ALL)) {
  Deno.test(name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "deno-a-" + name });
    await scenario(mocks, "deno-a-" + name, eq);
    await s.done("deno-a-" + name);
  });
}
