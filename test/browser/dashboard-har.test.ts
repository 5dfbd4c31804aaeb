/** The dashboard's "Download HAR" link: what the journal's filter shows, as HAR 1.2, behind the token. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("Download HAR takes the page's filter, carries the key, and saves a HAR of the matching requests", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret", journal: { bodies: true } });
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  server.interceptHttp("POST", "/orders", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/users/1`)).text();
  await (await fetch(`${server.getUrl()}/orders`, { method: "POST", body: "{}" })).text();

  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  assert.equal(await page.$eval("#har", (a) => a.textContent), "Download HAR");
  await page.select("select[name=method]", "POST");
  await page.type("input[name=path]", "orders");
  const href = await page.$eval("#har", (a) => (a as HTMLAnchorElement).href);
  // The link names the filter and no secret; without the key (as a plain navigation) it is refused.
  assert.equal(href, `${server.getUrl()}/__crossipc/api/journal.har?method=POST&path=${encodeURIComponent("*orders*")}`);
  assert.equal(await page.evaluate((url) => fetch(url).then((r) => r.status), href), 401);
  // A click fetches it with the key and saves it: what was saved is read back here.
  await page.evaluate(() => {
    const saved: Blob[] = ((window as unknown as { saved: Blob[] }).saved = []);
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob: Blob | MediaSource) => (saved.push(blob as Blob), create(blob));
  });
  await page.click("#har");
  await page.waitForFunction(() => (window as unknown as { saved: Blob[] }).saved.length === 1, { timeout: 5000 });
  const har = JSON.parse(await page.evaluate(() => (window as unknown as { saved: Blob[] }).saved[0]!.text()));
  assert.equal(har.log.version, "1.2");
  assert.deepEqual(har.log.entries.map((e: { request: { method: string; url: string } }) => [e.request.method, new URL(e.request.url).pathname]), [["POST", "/orders"]]);
  // The one refusal above is the only problem the page met.
  assertProblems(problems, ["console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
});

test("a status typed as 5XX gives the table's rows in the HAR; a refused filter is said beside it and the page stays live", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/fails", () => new Response("no", { status: 503 }));
  server.interceptHttp("GET", "/works", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/fails`)).text();
  await (await fetch(`${server.getUrl()}/works`)).text();

  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  await page.evaluate(() => {
    const saved: Blob[] = ((window as unknown as { saved: Blob[] }).saved = []);
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob: Blob | MediaSource) => (saved.push(blob as Blob), create(blob));
  });
  // The link asked for status=5XX, which the hub refuses, while the table showed the 503.
  await page.type("input[name=status]", "5XX");
  assert.equal(await page.$eval("#har", (a) => (a as HTMLAnchorElement).search), "?status=5xx");
  await page.click("#har");
  await page.waitForFunction(() => (window as unknown as { saved: Blob[] }).saved.length === 1, { timeout: 5000 });
  const har = JSON.parse(await page.evaluate(() => (window as unknown as { saved: Blob[] }).saved[0]!.text()));
  assert.deepEqual(har.log.entries.map((e: { response: { status: number } }) => e.response.status), [503]);
  assert.equal(await page.$eval("#filter-note", (note) => note.textContent), "");

  // A status the hub refuses is named beside the filter as it is typed; a download of it says the
  // hub's reason there too, and the live indicator still says live (it turned red for good).
  await page.$eval("input[name=status]", (input) => ((input as HTMLInputElement).value = ""));
  await page.type("input[name=status]", "abc");
  assert.equal(await page.$eval("#filter-note", (note) => note.textContent), "status must be a number such as 404 or a class such as 4xx");
  await page.click("#har");
  await page.waitForFunction(() => document.getElementById("filter-note")!.textContent!.startsWith("Download HAR: "), { timeout: 5000 });
  assert.equal(await page.$eval("#filter-note", (note) => note.textContent), "Download HAR: status must be a number such as 404 or a class such as 4xx, got 'abc'");
  assert.deepEqual(await page.$eval("#live", (live) => [live.className, live.textContent]), ["on", "live"]);
  await (await fetch(`${server.getUrl()}/works`)).text();
  await page.$eval("input[name=status]", (input) => ((input as HTMLInputElement).value = ""));
  await page.type("input[name=status]", "2xx");
  assert.equal(await page.$eval("#filter-note", (note) => note.textContent), "");
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length === 2, { timeout: 5000 });
  assertProblems(problems, ["console: Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
});

test("scope null in the filter box shows the requests without a scope, as the HAR link (?scope=null) gives them", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/plain", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/plain`)).text();
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  await page.type("input[name=scope]", "null");
  const rows = await page.$$eval("#journal tbody tr[data-id] td:nth-child(4)", (cells) => cells.map((cell) => cell.textContent));
  assert.deepEqual(rows, ["/plain"]);
  assert.equal(await page.$eval("#har", (a) => (a as HTMLAnchorElement).search), "?scope=null");
  assertProblems(problems, []);
});
