/**
 * Playwright specs that drive pages (SPEC §10): a page served through the hub (`/shop/page` of
 * the runner suites' service) fetches `/shop/price/:item` and `/shop/quote/:item` (whose service
 * asks the hub for the price, passing `scopeHeaders(request)` on) and opens a WebSocket to
 * `/shop/live`. Eight files, run by four workers with `fullyParallel`, each mock the same routes
 * with answers of their own; each test's scope rides in the `crossipc-scope` cookie of its
 * browser context, so its page, its WebSocket upgrade and `page.request` carry it, and
 * `scope.headers` goes on the `request` fixture's calls. Any cross-talk shows as a wrong
 * answer on a page, a request of another file in a handler, or a foreign path in the scope's
 * journal entries; the driver checks that the hub holds no rule after the run.
 */
import { test as base, expect } from "@playwright/test";
import type { Mocks, MockScope } from "../../../adapters/node.ts";
import { crossipc } from "../../fixtures/_crossipc.ts";
import { hubPort, STARVED_MS } from "../_suite.ts";

export const hub = () => `http://127.0.0.1:${hubPort()}`;

/** One connection per worker, a scope per test whose cookie the test's browser context carries. */
export const test = base.extend<{ scope: MockScope }, { mocks: Mocks }>({
  mocks: [
    async ({}, use, workerInfo) => {
      const mocks = await crossipc.connectMocks(hubPort(), { runtimeId: `playwright-pages-${workerInfo.workerIndex}`, heartbeatTimeout: STARVED_MS });
      await use(mocks);
      await mocks.close();
    },
    { scope: "worker" },
  ],
  scope: async ({ mocks, context }, use) => {
    const scope = mocks.scope();
    await context.addCookies([{ name: "crossipc-scope", value: scope.id, url: hub() }]);
    await use(scope);
    await scope.close();
  },
});
export { expect };

/** The two tests of one file: `n` names its items (`p<n>-…`), its price and its answers. */
export function pagesSuite(n: number): void {
  const source = `pages-${n}`;

  test(`${source}: the page, its WebSocket, page.request, request and the service's nested call get this test's mocks`, async ({ page, request, scope }) => {
    const strays: string[] = [];
    const rule = await scope.intercept("GET", "/shop/price/:item", (_body, params) => {
      if (!params.item?.startsWith(`p${n}-`)) strays.push(params.item ?? "");
      return { item: params.item, price: n, source };
    });
    await scope.interceptWebSocket("/shop/live", (socket) => socket.send(`live ${source} ${scope.id}`));

    for (let k = 0; k < 3; k++) {
      const item = `p${n}-page-${k}`;
      await page.goto(`${hub()}/shop/page?item=${item}`);
      await expect(page.locator("#price")).toHaveText(`200 ${JSON.stringify({ item, price: n, source })}`);
      await expect(page.locator("#quote")).toHaveText(`${n} from ${source}`);
      await expect(page.locator("#live")).toHaveText(`live ${source} ${scope.id}`);
    }
    // The browser context's requests carry its cookie; the `request` fixture is a context of its own.
    expect(await (await page.request.get(`${hub()}/shop/price/p${n}-cookie`)).json()).toEqual({ item: `p${n}-cookie`, price: n, source });
    const quoted = await (await request.get(`${hub()}/shop/quote/p${n}-headers`, { headers: scope.headers })).json();
    expect(quoted).toEqual({ quotedBy: "service", status: 200, price: { item: `p${n}-headers`, price: n, source } });
    expect(await (await request.get(`${hub()}/shop/price/p${n}-unscoped`)).json()).toEqual({ item: `p${n}-unscoped`, price: 0, source: "service" });

    expect(strays).toEqual([]);
    expect(rule.calls).toBe(3 * 2 + 2);
    // Every request the hub saw in this scope is this file's: its items, its WebSocket, the page's icon.
    const foreign = (await scope.entries()).filter((e) => !e.path.includes(`p${n}-`) && e.path !== "/shop/live" && e.path !== "/favicon.ico");
    expect(foreign).toEqual([]);
  });

  test(`${source}: a fault of this test only, over its mock`, async ({ page, scope }) => {
    await scope.intercept("GET", "/shop/price/:item", () => ({ price: n, source }));
    await scope.fault({ path: "/shop/price/:item" }, { status: 503 });
    await page.goto(`${hub()}/shop/page?item=p${n}-fault`);
    await expect(page.locator("#price")).toHaveText('503 {"error":"Fault injected"}');
    await expect(page.locator("#quote")).toHaveText("error 503");
  });
}
