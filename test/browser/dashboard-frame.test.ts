/**
 * README: the dashboard "may not be framed and sends no referrer". Checked as a browser meets it:
 * a page the hub proxies (its own origin) that frames the dashboard gets Chromium's error page in
 * the frame (frame-ancestors 'none'); a page of another site is refused by the hub (403); a link
 * followed from the dashboard's page sends no Referer.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startBackend, startServer } from "../node/_helpers.ts";
import { launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("pages of another site and of the hub's own origin cannot frame the dashboard", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const framing = (url: string) => `<!doctype html><title>framing</title><iframe id="f" src="${url}"></iframe>`;
  const blog = await startBackend(t, (_req, res) => res.setHeader("content-type", "text/html").end(framing("/__crossipc/")));
  server.setRouteProxyResolver((path) => (path.startsWith("/blog") ? blog.url : undefined));
  const site = await staticSite(t, { "/": { type: "text/html", body: framing(`${server.getUrl()}/__crossipc/`) } });
  // The proxied page, the dashboard's own origin: Chromium blocks the frame (frame-ancestors 'none').
  {
    const { page, problems } = await openPage(browser, t);
    await page.goto(`${server.getUrl()}/blog/`);
    await waitFor(() => page.frames().some((frame) => frame.url().startsWith("chrome-error://")), "the frame's error page");
    assert.ok(problems.some((p) => /frame-ancestors 'none'/.test(p)), problems.join("; "));
  }
  // A page of another site: the hub refuses the framed request itself (403), so the frame holds no dashboard.
  {
    const { page, problems } = await openPage(browser, t);
    await page.goto(`${site}/`);
    await waitFor(() => problems.some((p) => /403/.test(p)), "the hub's 403");
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame())!;
    assert.equal(await frame.evaluate(() => document.querySelector("#journal")), null, "no dashboard in the frame");
  }
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("a link followed from the dashboard's page sends no Referer", async (t) => {
  const server = await startServer(t, { dashboard: true });
  let referer: string | undefined = "not asked";
  const site = await startBackend(t, (req, res) => {
    referer = req.headers.referer;
    res.end("ok");
  });
  const { page } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  // As a link the page held would go (the page itself opens none): from the page's own document.
  await page.evaluate((target) => {
    const a = document.createElement("a");
    a.href = target;
    document.body.append(a);
    a.click();
  }, `${site.url}/landing`);
  await page.waitForFunction((target) => location.href === target, { timeout: 5000 }, `${site.url}/landing`);
  assert.equal(referer, undefined);
});
