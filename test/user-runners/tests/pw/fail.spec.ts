import * as s from "../../suite/common.ts";
import { eq, hub, test } from "./_fixture.ts";

test("EXPECTED-FAIL throws holding rules", async ({ mocks, scope, page }) => {
  await scope.intercept("GET", "/shop/price/:item", () => ({ failing: true }));
  await page.goto(`${hub}/shop/page?item=x`);
  await s.failsHolding(mocks, "pw-throws");
});
test("EXPECTED-FAIL times out holding rules", async ({ mocks, scope }) => {
  test.setTimeout(1500);
  await scope.intercept("GET", "/shop/price/:item", () => ({ stale: true }));
  await mocks.intercept("GET", "/users/pw-timeout", () => ({ unscoped: "stale" }));
  await new Promise(() => {});
});
test("skipped mid-way", async ({ scope }) => {
  await scope.intercept("GET", "/shop/price/:item", () => ({ skipped: true }));
  // Not a skipped test: it runs, adds a rule, then skips itself at run time — a way a test ends
  // that must leave nothing on the hub (the driver checks after the run). Playwright's
  // test.skip(condition): https://playwright.dev/docs/api/class-test#test-skip-3
  test.skip(true, "mid-way");
});
// Whether the failed tests' workers left anything is checked by the driver after the run: a
// test here would run beside them (fullyParallel) and see their rules while they still run.
