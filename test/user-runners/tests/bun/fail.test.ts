import { expect, test } from "bun:test";
import * as s from "../../suite/common.ts";

const eq = (actual: unknown, expected: unknown) => expect(actual).toEqual(expected);

test("EXPECTED-FAIL throws holding rules", async () => {
  await using mocks = await s.connectMocks(s.port);
  await s.failsHolding(mocks, "bun-throws");
});
test("the thrown test's rules are gone", async () => {
  await s.leftNothing("bun-throws", eq);
  await s.done("bun-fail-throws-clean");
});
test("EXPECTED-FAIL times out holding rules", async () => {
  await using mocks = await s.connectMocks(s.port);
  await mocks.intercept("GET", "/users/bun-timeout", () => ({ unscoped: "stale" }));
  await new Promise((r) => setTimeout(r, 5000));
}, 1000);
test("a test after the timed-out one", async () => {
  // bun test gives a test no signal: the timed-out test's `await using` runs when its body ends.
  await s.done("bun-fail-after-timeout");
});
