import { connectMocks } from "crossipc";
import { test as base, expect } from "vitest";

const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);
const hub = `http://127.0.0.1:${port}`;

// One connection per worker; a scope per test, closed (its rules gone) when the test ends.
const test = base
  .extend("mocks", { scope: "worker" }, async ({}, { onCleanup }) => {
    const mocks = await connectMocks(port);
    onCleanup(() => mocks.close());
    return mocks;
  })
  .extend("scope", async ({ mocks }, { onCleanup }) => {
    const scope = mocks.scope();
    onCleanup(() => scope.close());
    return scope;
  });

test.concurrent("this test's mock answers this test", async ({ scope }) => {
  await scope.intercept("GET", "/shop/price/:item", () => ({ price: 1, source: "mock" }));
  const price = await (await fetch(`${hub}/shop/price/kb-101`, { headers: scope.headers })).json();
  expect(price).toEqual({ price: 1, source: "mock" });
});

test.concurrent("a test running beside it gets the real service", async ({ scope }) => {
  const price = await (await fetch(`${hub}/shop/price/kb-101`, { headers: scope.headers })).json();
  expect(price).toEqual({ item: "kb-101", price: 0, source: "service" });
});
