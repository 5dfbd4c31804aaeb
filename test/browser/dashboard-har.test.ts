/** The dashboard's "Download HAR" link: what the journal's filter shows, as HAR 1.2, behind the token. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startServer } from "../node/_helpers.ts";
import { launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("Download HAR takes the page's filter and token, and serves a HAR of the matching requests", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret", journal: { bodies: true } });
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  server.interceptHttp("POST", "/orders", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/users/1`)).text();
  await (await fetch(`${server.getUrl()}/orders`, { method: "POST", body: "{}" })).text();

  const { page, problems } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/__crossipc/?token=s3cret`);
  await page.waitForSelector("#live.on", { timeout: 5000 });
  assert.equal(await page.$eval("#har", (a) => a.textContent), "Download HAR");
  await page.select("select[name=method]", "POST");
  await page.type("input[name=path]", "orders");
  const href = await page.$eval("#har", (a) => (a as HTMLAnchorElement).href);
  assert.equal(href, `${server.getUrl()}/__crossipc/api/journal.har?method=POST&path=*orders*&token=s3cret`.replace("*orders*", encodeURIComponent("*orders*")));
  // What the link downloads, fetched from the page as the download would be.
  const har = await page.evaluate((url) => fetch(url).then((r) => r.json()), href);
  assert.equal(har.log.version, "1.2");
  assert.deepEqual(har.log.entries.map((e: { request: { method: string; url: string } }) => [e.request.method, new URL(e.request.url).pathname]), [["POST", "/orders"]]);
  assert.deepEqual(problems, []);
});
