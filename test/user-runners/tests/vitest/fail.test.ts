import { connectMocks } from "crossipc";
import * as s from "../../suite/common.ts";
import { eq, test } from "./_fixture.ts";

// Sequential in this file: each check runs after the test it checks.
test("EXPECTED-FAIL throws holding rules", async ({ mocks }) => {
  await s.failsHolding(mocks, "vitest-throws");
});
test("EXPECTED-FAIL times out holding rules (signal)", { timeout: 1500 }, async ({ signal }) => {
  const mocks = await connectMocks(s.port, { signal });
  await mocks.intercept("GET", "/users/vitest-timeout", () => ({ unscoped: "stale" }));
  await mocks.scope().intercept("GET", "/users/:id", () => ({ stale: true }));
  await new Promise(() => {});
});
test("the timed-out test's rules are gone", async () => {
  await s.leftNothing("vitest-timeout", eq);
  await s.done("vitest-fail-timeout-clean");
});
test("skipped mid-way holding rules", async ({ mocks, skip }) => {
  await using scope = mocks.scope();
  await scope.intercept("GET", "/users/:id", () => ({ skipped: true }));
  await using own = await connectMocks(s.port);
  await own.intercept("GET", "/users/vitest-skip", () => ({ unscoped: "skip" }));
  // Not a skipped test: it runs, adds rules, then skips itself at run time (checked by the next
  // test). vitest's context.skip(): https://vitest.dev/guide/test-context#skip
  skip("skipping mid-way");
});
test("the skipped test's rules are gone", async () => {
  await s.leftNothing("vitest-skip", eq);
  await s.done("vitest-fail-skip-clean");
});
