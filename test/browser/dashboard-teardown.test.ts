/**
 * A hub that stops ends the dashboard's live streams, on every runtime: the open pages see the
 * stream end (and reconnect), not a connection cut mid-answer. On a Bun hub the newest stream was
 * cut (`net::ERR_INCOMPLETE_CHUNKED_ENCODING` in the page's console; `ECONNRESET` to a `fetch`):
 * the server stopped before Bun had written the stream's last chunk.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { start, type Runtime } from "../matrix/_spawn.ts";
import { launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  test(`${runtime} hub: stopping it ends the live streams of two open dashboards, which then reconnect`, async (t) => {
    const hub = start(runtime, "test/fixtures/browser-hub.ts", ["--origin", "http://127.0.0.1:1"], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(async () => {
      hub.proc.stdin.end();
      await hub.exited;
    });
    const { dashboard } = await hub.nextJson<{ dashboard: string }>(20_000, "the hub's port");
    const pages = [await openPage(browser, t), await openPage(browser, t)];
    for (const { page } of pages) {
      await page.goto(dashboard);
      await page.waitForSelector("#live.on", { timeout: 5000 });
    }
    hub.proc.stdin.end();
    await hub.nextJson(10_000, "the hub stopped");
    for (const { page } of pages) await page.waitForFunction(() => !document.getElementById("live")!.classList.contains("on"), { timeout: 5000 });
    // The reconnecting page's attempts to reach the stopped hub are refused, and those it gives up on
    // it aborts itself (no console line); nothing else may fail.
    const problems = pages.flatMap(({ problems }) => problems).filter((p) => !/ERR_CONNECTION_REFUSED/.test(p) && !/^request failed: .* net::ERR_ABORTED$/.test(p));
    assert.deepEqual(problems, []);
  });
}
