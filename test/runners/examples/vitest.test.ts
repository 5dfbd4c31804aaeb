import { connectMocks } from "crossipc";
import { expect, test } from "vitest";

const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);
const hub = `http://127.0.0.1:${port}`;

test("a quote uses this test's price", async ({ signal }) => {
  // signal aborts if the test times out: the connection closes, and its rules leave the hub.
  await using mocks = await connectMocks(port, { signal });
  await using scope = mocks.scope();
  await scope.intercept("GET", "/shop/price/:item", (_body, params) => ({ item: params.item, price: 7, source: "mock" }));

  // The shop service asks the hub for the price, passing scopeHeaders(request) on.
  const quote = await (await fetch(`${hub}/shop/quote/kb-101`, { headers: scope.headers })).json();
  expect(quote.price).toEqual({ item: "kb-101", price: 7, source: "mock" });

  const journal = await (await fetch(`${hub}/__crossipc/api/journal?kind=http&scope=${scope.id}`)).json();
  expect(journal.entries.map((entry: { path: string }) => entry.path).sort()).toEqual(["/shop/price/kb-101", "/shop/quote/kb-101"]);
});
