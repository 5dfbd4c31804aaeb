/**
 * A test that fails after adding rules, and passes when retried (the driver runs these specs
 * with `--retries=1`): Playwright discards the failed test's worker, and with its connection the
 * hub drops every rule of it, the unscoped one included, before the retry looks.
 */
import { expect, hub, test } from "./_pages.ts";

test("a failed test leaves no rule for its retry", async ({ mocks, scope, request }, testInfo) => {
  const marker = "/shop/retry-marker";
  if (testInfo.retry === 0) {
    await scope.intercept("GET", "/shop/price/:item", () => ({ price: -1, source: "first try" }));
    await mocks.intercept("GET", marker, () => ({ firstTry: true }));
    expect("the first try", "fails on purpose, with its rules at the hub").toBe("passed");
  }
  await expect
    .poll(async () => {
      const state = (await (await request.get(`${hub()}/__crossipc/api/state`)).json()) as { mocks: Array<{ path: string; scope: string | null }> };
      return state.mocks.filter((m) => m.path === marker || m.scope === null).length;
    }, { timeout: 15_000 })
    .toBe(0);
  expect(await (await request.get(`${hub()}${marker}`)).status()).toBe(404);
});
