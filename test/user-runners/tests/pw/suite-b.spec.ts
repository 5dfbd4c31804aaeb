import * as s from "../../suite/common.ts";
import { eq, expect, hub, test } from "./_fixture.ts";

const tag = "pw-b";
test("isolation", async ({ mocks }) => { await s.isolation(mocks, `${tag}-iso`, eq); await s.done(`${tag}-iso`); });
test("faults", async ({ mocks }) => { await s.faults(mocks, `${tag}-faults`, eq); await s.done(`${tag}-faults`); });
test("replay", async ({ mocks }) => { await s.replay(mocks, `${tag}-replay`, eq); await s.done(`${tag}-replay`); });
test("waitFor", async ({ mocks }) => { await s.waits(mocks, `${tag}-waits`, eq); await s.done(`${tag}-waits`); });
test("websocket from Node", async ({ mocks }) => { await s.websocket(mocks, `${tag}-ws`, eq); await s.done(`${tag}-ws`); });

for (const n of [1, 2, 3]) {
  test(`page ${n}: its own price, its own live feed, a fault of its own`, async ({ page, scope }) => {
    const me = `${tag}-page${n}`;
    await scope.intercept("GET", "/shop/price/:item", (_b, params) => ({ item: params.item, price: n, source: me }));
    await scope.interceptWebSocket("/shop/live", (socket) => socket.send(`live for ${me}`));
    await page.goto(`${hub}/shop/page?item=kb-${n}`);
    await expect(page.locator("#quote")).toHaveText(`${n} from ${me}`);
    await expect(page.locator("#live")).toHaveText(`live for ${me}`);
    // page.request carries the context's cookie.
    eq(await (await page.request.get(`${hub}/shop/price/z`)).json(), { item: "z", price: n, source: me });
    await scope.fault({ path: "/shop/price/:item" }, { status: 503 });
    eq(await page.evaluate(async () => (await fetch("/shop/price/q")).status), 503);
    // Without the cookie: the real service, and the real live feed.
    const other = await page.context().browser()!.newContext();
    const plain = await other.newPage();
    await plain.goto(`${hub}/shop/page?item=kb-${n}`);
    await expect(plain.locator("#quote")).toHaveText("0 from service");
    await expect(plain.locator("#live")).toHaveText("real live");
    await other.close();
    await s.done(me);
  });
}
