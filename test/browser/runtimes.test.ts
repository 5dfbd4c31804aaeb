/**
 * The dashboard and the browser client against hubs in Bun and Deno (Deno with
 * `--allow-net=127.0.0.1` only), in a real Chromium: their fronts carry the page, its live
 * stream and the framework connection of a page on an allowed origin as Node's hub does.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { start, type Runtime } from "../matrix/_spawn.ts";
import { bundleClient, launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
let bundle: string;
before(async () => {
  browser = await launch();
  bundle = (await bundleClient(`import { IPCClient } from "crossipc/client"; window.IPCClient = IPCClient;`)).code;
});
after(() => browser?.close());

for (const runtime of ["bun", "deno"] as Runtime[]) {
  test(`${runtime} hub: the dashboard follows it live and removes a fault on a click; a page of an allowed origin makes requests`, async (t) => {
    const site = await staticSite(t, {
      "/": { type: "text/html", body: '<!doctype html><title>app</title><script src="/client.js"></script>' },
      "/client.js": { type: "text/javascript", body: bundle },
    });
    const hub = start(runtime, "test/fixtures/browser-hub.ts", ["--origin", site], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(async () => {
      hub.proc.stdin.end();
      await hub.exited;
    });
    const { port, dashboard } = await hub.nextJson<{ port: number; dashboard: string }>(20_000, "the hub's port");
    const url = `http://127.0.0.1:${port}`;

    const { page, problems } = await openPage(browser, t);
    await page.goto(dashboard);
    await page.waitForSelector("#live.on", { timeout: 5000 });
    assert.match(await page.$eval("#runtime", (el) => el.textContent!), new RegExp(`^${runtime} `));
    await fetch(`${url}/nowhere/1`);
    await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/nowhere/1"), { timeout: 5000 });

    const added = await fetch(`${url}/__crossipc/api/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { path: "/pay" }, fault: { status: 503 } }),
    });
    const { id } = (await added.json()) as { id: string };
    await page.waitForSelector(`button[data-fault="${id}"]`, { timeout: 5000 });
    await page.click(`button[data-fault="${id}"]`);
    await page.waitForFunction(() => document.getElementById("faults-count")!.textContent === "0", { timeout: 5000 });
    assert.deepEqual(((await (await fetch(`${url}/__crossipc/api/faults`)).json()) as { faults: unknown[] }).faults, []);

    const app = await openPage(browser, t);
    await app.page.goto(`${site}/`);
    const doubled = await app.page.evaluate(`(async () => {
      const client = new IPCClient(${JSON.stringify(url)});
      await client.connect("tab");
      try { return await client.sendFrameworkRequest("page/double", { n: 21 }); } finally { client.disconnect(); }
    })()`);
    assert.equal(doubled, 42);
    assert.deepEqual([...problems, ...app.problems], []);
  });
}
