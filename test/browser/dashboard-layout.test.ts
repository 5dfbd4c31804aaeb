/**
 * The journal list on a laptop's screen: at 1,280 and 1,400 px its last columns (ms, size) were
 * cut off behind the entry pane, to be scrolled to sideways in every row. The columns now fit
 * the list, the long ones (path, taken by) ending in an ellipsis.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startBackend, startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("every journal column is in view at 1,280 and 1,400 px, with long paths and targets", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("ok"));
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => `${backend.url}/a/rather/long/base/path/of/the/service`);
  for (let i = 0; i < 5; i++) await (await fetch(`${server.getUrl()}/users/${i}/orders?filter=${"x".repeat(80)}`)).text();

  for (const width of [1280, 1400]) {
    const { page, problems } = await openPage(browser, t);
    await page.setViewport({ width, height: 900 });
    await page.goto(server.getDashboardUrl());
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length >= 5, { timeout: 5000 });
    const fit = await page.$eval("#journal", (table) => {
      const list = table.parentElement!;
      const size = table.querySelector("thead th:last-child")!.getBoundingClientRect();
      const box = list.getBoundingClientRect();
      return { overflow: list.scrollWidth - list.clientWidth, sizeRight: Math.round(size.right), listRight: Math.round(box.right), time: table.querySelector("tbody td")!.scrollWidth - (table.querySelector("tbody td") as HTMLElement).clientWidth };
    });
    assert.equal(fit.overflow, 0, `no sideways scroll at ${width} px`);
    assert.ok(fit.sizeRight <= fit.listRight, `the size column is in view at ${width} px (${fit.sizeRight} > ${fit.listRight})`);
    assert.ok(fit.time <= 0, `the time is whole at ${width} px`);
    assertProblems(problems, []);
  }
});
