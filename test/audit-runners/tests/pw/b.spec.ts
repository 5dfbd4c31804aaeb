import { test as base, expect } from "@playwright/test";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => expect(a, what).toEqual(b);
const test = base.extend<{}, { mocks: Awaited<ReturnType<typeof s.connectMocks>> }>({
  mocks: [async ({}, use) => { const mocks = await s.connectMocks(s.port, { runtimeId: "pw-b" }); await use(mocks); await mocks.close(); }, { scope: "worker" }],
});
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async ({ mocks }) => { await scenario(mocks, "pw-b-" + name, eq); await s.done("pw-b-" + name); });
}
test("page: scope cookie, its own mock and fault", async ({ mocks, page, context }) => {
  await using scope = mocks.scope();
  await context.addCookies([{ name: "crossipc-scope", value: scope.id, url: s.hub }]);
  await scope.intercept("GET", "/users/page", () => new Response("<p id=x>mocked b</p>", { headers: { "content-type": "text/html" } }));
  await page.goto(s.hub + "/users/page");
  await expect(page.locator("#x")).toHaveText("mocked b");
  await scope.fault({ api: "users" }, { status: 503 });
  eq(await page.evaluate(async () => [(await fetch("/users/1")).status, (await fetch("/users/prefs/1")).status]), [503, 200], "page: api fault, not prefs");
  await s.done("pw-b-page");
});
