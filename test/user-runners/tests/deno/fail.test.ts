import assert from "node:assert/strict";
import * as s from "../../suite/common.ts";

const eq = (actual: unknown, expected: unknown, what?: string) => assert.deepEqual(actual, expected, what);

Deno.test("EXPECTED-FAIL throws holding rules", async () => {
  await using mocks = await s.connectMocks(s.port);
  await s.failsHolding(mocks, "deno-throws");
});
Deno.test("the thrown test's rules are gone", async () => {
  await s.leftNothing("deno-throws", eq);
  await s.done("deno-fail-throws-clean");
});
Deno.test({ name: "ignored", ignore: true, fn() {} });
