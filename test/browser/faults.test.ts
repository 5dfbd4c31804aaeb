/** The dashboard lists active faults and removes one on a click (SPEC §12). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { connectMocks } from "../../src/index.ts";
import { startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("faults are listed with their scope, owner and hits, a click on Remove removes that one, and the journal names the fault", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  server.interceptHttp("GET", "/users/:id", () => ({ ok: true }));
  const slow = server.fault({ method: "GET", path: "/users/:id" }, { status: 503 });
  const other = server.fault({ path: "/orders/**" }, { latency: [10, 20], probability: 0.5 });
  await fetch(`${server.getUrl()}/users/1`);
  // A test's fault, from another connection: the page names its scope and its process.
  const mocks = await connectMocks(server.getPort(), { accessToken: "s3cret", runtimeId: "checkout.spec" });
  t.after(() => mocks.close());
  const scope = mocks.scope("t-42");
  const scoped = await scope.fault({ path: "/cart" }, { status: 500 });
  const clientId = server.faults().find((f) => f.id === scoped.id)!.owner;

  const { page, problems } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/__crossipc/?token=s3cret`);
  await page.waitForSelector("#live.on", { timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll("#faults button[data-fault]").length === 3, { timeout: 5000 });
  const rows = await page.$$eval("#faults tbody tr", (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  assert.ok(clientId, "a connection's fault has its owner");
  assert.deepEqual(rows, [
    [slow.id, "every request", "GET /users/:id", '{"status":503}', "hub", "1", "Remove"],
    [other.id, "every request", "/orders/**", '{"latency":[10,20],"probability":0.5}', "hub", "0", "Remove"],
    [scoped.id, "t-42", "/cart", '{"status":500}', `checkout.spec (${clientId})`, "0", "Remove"],
  ]);
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("fault status"), { timeout: 5000 });

  await page.click(`#faults button[data-fault="${slow.id}"]`);
  await page.waitForFunction(() => document.querySelectorAll("#faults button[data-fault]").length === 2, { timeout: 5000 });
  assert.deepEqual(server.faults().map((f) => f.id), [other.id, scoped.id]);
  assert.equal((await fetch(`${server.getUrl()}/users/1`)).status, 200);
  assert.equal(await page.$eval("#faults-count", (el) => el.textContent), "2");
  assertProblems(problems, []);
});

test("a Remove the hub cannot take (it has stopped) gives its button back, saying so, with no page error", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const fault = server.fault({ path: "/users/**" }, { status: 503 });
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector(`#faults button[data-fault="${fault.id}"]`, { timeout: 5000 });
  await server.teardown();
  await page.click(`#faults button[data-fault="${fault.id}"]`);
  await page.waitForFunction((id) => {
    const button = document.querySelector<HTMLButtonElement>(`#faults button[data-fault="${id}"]`)!;
    return !button.disabled && button.textContent === "Remove (failed)";
  }, { timeout: 5000 }, fault.id);
  assert.match(await page.$eval(`#faults button[data-fault="${fault.id}"]`, (b) => (b as HTMLButtonElement).title), /^Could not remove: /);
  assert.deepEqual(problems.filter((p) => p.startsWith("page error")), []);
});
