/**
 * `page.route` together with the hub's mocks: the browser's route answers first (the hub never
 * sees that request), and a route that sends the request on (`route.continue()`, `route.fetch()`)
 * sends it with the context's cookie, so the test's hub mocks answer it and the calls the
 * service makes for it.
 */
import { expect, hub, test } from "./_pages.ts";

test("page.route answers before the hub; route.fetch() keeps the scope", async ({ page, scope }) => {
  const rule = await scope.intercept("GET", "/shop/price/:item", (_body, params) => ({ item: params.item, price: 1, source: "hub mock" }));
  await page.route("**/shop/price/**", (route) => route.fulfill({ json: { price: 2, source: "page.route" } }));
  await page.route("**/shop/quote/**", async (route) => route.fulfill({ response: await route.fetch() }));
  await page.route((url) => url.pathname === "/shop/page", (route) => route.continue());
  await page.goto(`${hub()}/shop/page?item=route-1`);
  await expect(page.locator("#price")).toHaveText('200 {"price":2,"source":"page.route"}');
  await expect(page.locator("#quote")).toHaveText("1 from hub mock");
  expect(rule.calls).toBe(1);
  // In the scope's journal: the page (continued), the quote (fetched) and its nested price.
  const paths = (await scope.entries()).map((e) => e.path).filter((path) => path.includes("route-1"));
  expect(paths.sort()).toEqual(["/shop/page?item=route-1", "/shop/price/route-1", "/shop/quote/route-1"]);
});
