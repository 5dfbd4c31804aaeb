import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "crossipc";
import * as s from "../../suite/common.ts";

const eq = (actual: unknown, expected: unknown, what?: string) => assert.deepEqual(actual, expected, what);

test("EXPECTED-FAIL throws holding rules", async (t) => {
  await using mocks = await connectMocks(s.port, { signal: t.signal });
  await s.failsHolding(mocks, "node-throws");
});
test("the thrown test's rules are gone", async () => {
  await s.leftNothing("node-throws", eq);
  await s.done("node-fail-throws-clean");
});
test("EXPECTED-FAIL times out holding rules", { timeout: 1000 }, async (t) => {
  await using mocks = await connectMocks(s.port, { signal: t.signal });
  await mocks.intercept("GET", "/users/node-timeout", () => ({ unscoped: "stale" }));
  await mocks.scope().intercept("GET", "/users/:id", () => ({ stale: true }));
  await new Promise(() => {});
});
test("the timed-out test's rules are gone", async () => {
  await s.leftNothing("node-timeout", eq);
  await s.done("node-fail-timeout-clean");
});
test("skipped mid-way holding rules", async (t) => {
  await using mocks = await connectMocks(s.port, { signal: t.signal });
  await mocks.intercept("GET", "/users/node-skip", () => ({ unscoped: "skip" }));
  // Not a skipped test: it runs, adds rules, then marks itself skipped at run time — the way a
  // test ends that must leave nothing on the hub (checked by the next test). node:test's
  // t.skip(): https://nodejs.org/api/test.html#contextskipmessage
  t.skip("mid-way");
});
test("the skipped test's rules are gone", async () => {
  await s.leftNothing("node-skip", eq);
  await s.done("node-fail-skip-clean");
});
