/** The dashboard lists active faults and removes one on a click (SPEC §12). */
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

test("faults are listed with their hits, a click on Remove removes that one, and the journal names the fault", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  server.interceptHttp("GET", "/users/:id", () => ({ ok: true }));
  const slow = server.fault({ method: "GET", path: "/users/:id" }, { status: 503 });
  const other = server.fault({ path: "/orders/**" }, { latency: [10, 20], probability: 0.5 });
  await fetch(`${server.getUrl()}/users/1`);

  const { page, problems } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/__crossipc/?token=s3cret`);
  await page.waitForSelector("#live.on", { timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll("#faults button[data-fault]").length === 2, { timeout: 5000 });
  const rows = await page.$$eval("#faults tbody tr", (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  assert.deepEqual(rows, [
    [slow.id, "GET /users/:id", '{"status":503}', "1", "Remove"],
    [other.id, "/orders/**", '{"latency":[10,20],"probability":0.5}', "0", "Remove"],
  ]);
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("fault status"), { timeout: 5000 });

  await page.click(`#faults button[data-fault="${slow.id}"]`);
  await page.waitForFunction(() => document.querySelectorAll("#faults button[data-fault]").length === 1, { timeout: 5000 });
  assert.deepEqual(server.faults().map((f) => f.id), [other.id]);
  assert.equal((await fetch(`${server.getUrl()}/users/1`)).status, 200);
  assert.equal(await page.$eval("#faults-count", (el) => el.textContent), "1");
  assert.deepEqual(problems, []);
});
