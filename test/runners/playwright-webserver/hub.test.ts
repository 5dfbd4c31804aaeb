/** Mocks on the hub that Playwright started: by `webServer` (playwright-webserver.config.ts) or `globalSetup` (playwright-globalsetup.config.ts). */
import { expect, test } from "@playwright/test";
import { crossipc } from "../../fixtures/_crossipc.ts";
import { hubPort } from "../_suite.ts";

for (const name of ["one", "two"]) {
  test(`${name}: the hub Playwright started answers this test's scope from its mocks`, async ({ request }) => {
    const hub = `http://127.0.0.1:${hubPort()}`;
    const mocks = await crossipc.connectMocks(hubPort(), { runtimeId: `playwright-webserver-${name}` });
    try {
      const scope = mocks.scope();
      await scope.intercept("GET", "/api/who", () => ({ who: name }));
      expect(await (await request.get(`${hub}/api/who`, { headers: scope.headers })).json()).toEqual({ who: name });
      expect((await request.get(`${hub}/api/who`)).status()).toBe(404);
      await scope.close();
    } finally {
      await mocks.close();
    }
  });
}
