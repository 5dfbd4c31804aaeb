/**
 * The other way to put a page in a scope (README "Test runners"): `extraHTTPHeaders` set to
 * `scope.headers` in `test.extend`. The page's fetches, its WebSocket upgrade, the service's
 * nested call and the `request` fixture all carry the scope, with no cookie.
 */
import type { MockScope } from "../../../adapters/node.ts";
import { expect, hub, test as withCookie } from "./_pages.ts";

const test = withCookie.extend<{ headerScope: MockScope }>({
  headerScope: async ({ mocks }, use) => {
    const scope = mocks.scope();
    await use(scope);
    await scope.close();
  },
  extraHTTPHeaders: async ({ headerScope }, use) => use(headerScope.headers),
});

test("extraHTTPHeaders = scope.headers scopes the page, its WebSocket and request", async ({ page, request, headerScope, context }) => {
  await headerScope.intercept("GET", "/shop/price/:item", (_body, params) => ({ item: params.item, price: 3, source: "headers" }));
  await headerScope.interceptWebSocket("/shop/live", (socket) => socket.send(`live ${headerScope.id}`));
  // No cookie carries this scope: only the headers do.
  await context.clearCookies();
  await page.goto(`${hub()}/shop/page?item=extra-1`);
  await expect(page.locator("#price")).toHaveText('200 {"item":"extra-1","price":3,"source":"headers"}');
  await expect(page.locator("#quote")).toHaveText("3 from headers");
  await expect(page.locator("#live")).toHaveText(`live ${headerScope.id}`);
  expect(await (await request.get(`${hub()}/shop/price/extra-2`)).json()).toEqual({ item: "extra-2", price: 3, source: "headers" });
});
