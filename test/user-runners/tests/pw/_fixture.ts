// The README's Playwright fixtures: a connection per worker, a scope per test carried by the cookie.
import { test as base, expect } from "@playwright/test";
import { connectMocks, type Mocks, type MockScope } from "crossipc";

export const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);
export const hub = `http://127.0.0.1:${port}`;

export const test = base.extend<{ scope: MockScope }, { mocks: Mocks }>({
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
export const eq = (actual: unknown, expected: unknown, what?: string) => expect(actual, what).toEqual(expected);
export { expect };
