/**
 * What a person sees of other requests' secrets in the dashboard by default (SPEC §10: "Secrets
 * are redacted wherever the journal is read (… the dashboard …)"): headers, cookies, tokens in the
 * URL and in bodies, in the list, the detail pane and the live stream; and the page on a phone's
 * width.
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

const SECRETS = ["Bearer-s3cret-value", "session-cookie-val", "url-token-value", "hunter2-password", "set-cookie-value", "api-key-value"];

test("the list, the detail pane and the page's whole text hold none of a request's secrets, recorded with bodies", async (t) => {
  const backend = await startBackend(t, (req, res) => {
    req.resume();
    res.setHeader("set-cookie", "sid=set-cookie-value; HttpOnly");
    res.setHeader("content-type", "application/json");
    res.end('{"ok":true,"access_token":"url-token-value"}');
  });
  const server = await startServer(t, { dashboard: true, journal: { bodies: true } });
  server.setRouteProxyResolver(() => backend.url);
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });

  await (await fetch(`${server.getUrl()}/login?token=url-token-value&next=/home`, {
    method: "POST",
    headers: { authorization: "Bearer Bearer-s3cret-value", cookie: "sid=session-cookie-val", "x-api-key": "api-key-value", "content-type": "application/json" },
    body: JSON.stringify({ user: "ann", password: "hunter2-password" }),
  })).text();
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/login"), { timeout: 5000 });
  await page.click("#journal tbody tr[data-id]");
  await page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("set-cookie"), { timeout: 5000 });
  const text = await page.evaluate(() => document.body.innerText + "\n" + document.body.textContent + "\n" + [...document.querySelectorAll("[title]")].map((el) => el.getAttribute("title")).join("\n"));
  assert.deepEqual(SECRETS.filter((secret) => text.includes(secret)), [], "no secret anywhere on the page");
  assert.match(text, /\[redacted\]/);
  assert.match(text, /\/login\?token=\[redacted\]&next=\/home/, "the path shows where the token was");
  assertProblems(problems, []);
});

test("at a phone's width (375 px) the page scrolls down, not sideways, and a row's detail opens", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("ok"));
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => `${backend.url}/a/rather/long/base/path/of/the/service`);
  for (let i = 0; i < 3; i++) await (await fetch(`${server.getUrl()}/users/${i}/orders?filter=${"x".repeat(80)}`)).text();
  const { page, problems } = await openPage(browser, t);
  await page.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true });
  await page.goto(server.getDashboardUrl());
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length >= 3, { timeout: 5000 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(sideways, 0, "no sideways scroll of the page");
  await page.tap("#journal tbody tr[data-id]");
  await page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("/users/"), { timeout: 5000 });
  const detail = await page.$eval("#detail", (el) => { const box = el.getBoundingClientRect(); return { left: box.left, right: box.right, width: box.width }; });
  assert.ok(detail.width > 0 && detail.left >= 0 && detail.right <= 375 + 1, `the detail pane is in view: ${JSON.stringify(detail)}`);
  assertProblems(problems, []);
});
