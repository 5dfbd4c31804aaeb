import { test as base, expect } from "@playwright/test";
import { connectMocks, type Mocks, type MockScope } from "crossipc";

const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);
const hub = `http://127.0.0.1:${port}`;

// One connection per worker; a scope per test, closed (its rules gone) when the test ends.
// The test's browser context carries the scope in the crossipc-scope cookie, for the hub's
// host only: the page's fetches, its WebSocket upgrades and page.request are in the scope.
const test = base.extend<{ scope: MockScope }, { mocks: Mocks }>({
  mocks: [
    async ({}, use) => {
      const mocks = await connectMocks(port);
      await use(mocks);
      await mocks.close();
    },
    { scope: "worker" },
  ],
  scope: async ({ mocks, context }, use) => {
    const scope = mocks.scope();
    await context.addCookies([{ name: "crossipc-scope", value: scope.id, url: hub }]);
    await use(scope);
    await scope.close();
  },
});

test("the page shows this test's price, live", async ({ page, scope }) => {
  await scope.intercept("GET", "/shop/price/:item", (_body, params) => ({ item: params.item, price: 7, source: "mock" }));
  await scope.interceptWebSocket("/shop/live", (socket) => socket.send("kb-101 is 7 now"));

  // The page, served through the hub, fetches /shop/quote/kb-101 (the shop service asks the
  // hub for the price, passing scopeHeaders(request) on) and opens a WebSocket to /shop/live.
  await page.goto(`${hub}/shop/page?item=kb-101`);
  await expect(page.locator("#quote")).toHaveText("7 from mock");
  await expect(page.locator("#live")).toHaveText("kb-101 is 7 now");
});

test("a test running beside it gets the real service", async ({ request, scope }) => {
  // The request fixture has no browser cookies: it takes the scope's headers.
  const price = await (await request.get(`${hub}/shop/price/kb-101`, { headers: scope.headers })).json();
  expect(price).toEqual({ item: "kb-101", price: 0, source: "service" });
});
