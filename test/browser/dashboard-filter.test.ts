/**
 * The dashboard's filter box in a real browser: globs are matched by the server's own
 * `matchGlob` (embedded in the script), so a hostile glob answers at once; secrets read
 * `[redacted]` in the detail pane.
 */
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

test("a hostile glob in the filter box answers at once; ordinary globs still narrow the list", async (t) => {
  const server = await startServer(t, { dashboard: true });
  // Not `/**`: intercept routes come before the dashboard's own path.
  for (const path of ["/users/*", "/teams/*", "/a*"]) server.interceptHttp("GET", path, () => ({ ok: true }));
  const long = `/${"a".repeat(6000)}`;
  for (const path of ["/users/1", "/teams/2", long]) await fetch(`${server.getUrl()}${path}`, { headers: { authorization: "Bearer s3cret" } });
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length === 3, { timeout: 5000 });
  page.setDefaultTimeout(10_000);

  await page.type("#filter input[name=path]", "*a*a*a*a*a*a*a*a*b");
  // The page answers (a backtracking regex would hold its main thread for hours).
  assert.equal(await page.$eval("#journal-count", (el) => el.textContent), "0 of 3");
  await page.$eval("#filter input[name=path]", (input) => ((input as HTMLInputElement).value = ""));
  await page.type("#filter input[name=path]", "/u*s/*");
  assert.deepEqual(await page.$$eval("#journal tbody tr[data-id]", (rows) => rows.map((row) => row.children[3]!.textContent)), ["/users/1"]);

  await page.click("#journal tbody tr[data-id]");
  await page.waitForSelector("#detail dl dd");
  const detail = await page.$eval("#detail", (el) => el.textContent!);
  assert.ok(detail.includes("[redacted]"), detail);
  assert.ok(!detail.includes("s3cret"), detail);
  assertProblems(problems, []);
});
