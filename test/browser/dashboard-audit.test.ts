/**
 * The dashboard as a developer meets it in a real Chromium, past the happy path: the hub
 * restarting under an open page, a hub holding thousands of faults and services, and names that
 * carry bidirectional-text controls or run to the registry's 2,048-character limit.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import { IPCClient, IPCServer, ServiceHub } from "../../adapters/node.ts";
import { startServer, waitFor } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

async function openDashboard(t: { after(fn: () => unknown): void }, url: string): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, t);
  await opened.page.setViewport({ width: 1400, height: 900 });
  await opened.page.goto(url);
  await opened.page.waitForSelector("#live.on", { timeout: 5000 });
  return opened;
}

const journalPaths = (page: Page) => page.$$eval("#journal tbody tr[data-id] td:nth-child(4)", (cells) => cells.map((cell) => cell.textContent));

test("after the hub restarts on its port (gone for a while), the open page shows the new hub's journal, not the old one's", async (t) => {
  const first = new IPCServer(0, { dashboard: true, accessToken: "same-token" });
  await first.start();
  const port = first.getPort();
  // No pooled connection outlives the first hub: this process's fetch would reuse one the hub closed.
  for (let i = 0; i < 5; i++) await fetch(`${first.getUrl()}/before/${i}`, { headers: { connection: "close" } });
  const { page } = await openDashboard(t, first.getDashboardUrl());
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length === 5, { timeout: 5000 });

  // The hub stays away past one of the page's retries (every 2 s), as during a failover.
  const retried = new Promise<void>((resolve) =>
    page.on("requestfailed", (request) => {
      if (request.url().includes("/__crossipc/api/state")) resolve();
    }),
  );
  await first.teardown();
  await retried;
  const second = new IPCServer(port, { dashboard: true, accessToken: "same-token" });
  assert.equal(await second.start(), true);
  t.after(() => second.teardown());
  await fetch(`${second.getUrl()}/after/1`);

  // The page reconnects on its own (every 2 s) and reads the new hub's journal: ids start again at 1.
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/after/1"), { timeout: 10_000 });
  assert.deepEqual(await journalPaths(page), ["/after/1"], "nothing of the hub that is gone");
  assert.equal(await page.$eval("#journal-count", (el) => el.textContent), "1");
});

test("with a journal of 3,000 entries, the page reads only the 1,000 it keeps", async (t) => {
  const server = await startServer(t, { dashboard: true, journal: { size: 5000 } });
  for (let i = 0; i < 3000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => fetch(`${server.getUrl()}/bulk/${i + j}`).then((r) => r.arrayBuffer())));
  const opened = await openPage(browser, t);
  const read: number[] = [];
  opened.page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/__crossipc/api/journal") void response.json().then((body: { entries: unknown[] }) => read.push(body.entries.length));
  });
  await opened.page.goto(server.getDashboardUrl());
  await opened.page.waitForFunction(() => document.getElementById("journal-count")!.textContent === "1000", { timeout: 10_000 });
  await waitFor(() => read.length === 1, "the page's read of the journal");
  assert.deepEqual(read, [1000]);
  assert.equal((await journalPaths(opened.page))[0], "/bulk/2999");
  assertProblems(opened.problems, []);
});

test("2,000 faults and 1,000 services: each list shows 500 rows and says how many more", async (t) => {
  const hub = new ServiceHub(0, { dashboard: true });
  await hub.start();
  t.after(() => hub.teardown());
  for (let i = 0; i < 2000; i++) hub.server.fault({ path: `/f/${i}` }, { latency: 1 });
  for (let i = 0; i < 1000; i++) hub.addRoute({ api: `api-${i}`, baseUrl: `http://127.0.0.1:${2000 + i}`, pathPrefix: `/p${i}` });
  const { page, problems } = await openDashboard(t, hub.server.getDashboardUrl());
  await page.waitForFunction(() => document.getElementById("faults-count")!.textContent === "2000", { timeout: 10_000 });

  const rows = (id: string) => page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => tr.textContent));
  const faults = await rows("faults");
  assert.equal(faults.length, 501, "500 faults and the note");
  assert.equal(faults.at(-1), "… 1500 more faults (see /__crossipc/api/faults)");
  const services = await rows("services");
  assert.equal(services.length, 501);
  assert.equal(services.at(-1), "… 500 more services (see /__crossipc/api/state)");
  assert.equal(await page.$eval("#services-count", (el) => el.textContent), "1000");
  assert.ok((await page.evaluate(() => document.getElementsByTagName("*").length)) < 12_000, "a bounded page");
  assertProblems(problems, []);
});

test("bidirectional-text and control characters in names are shown as escapes, not obeyed", async (t) => {
  const hub = new ServiceHub(0, { dashboard: true });
  await hub.start();
  t.after(() => hub.teardown());
  // U+202E (right-to-left override) would show "worker-\u202Egnp.exe" as "worker-exe.png".
  const client = new IPCClient(hub.getUrl(), { heartbeatInterval: 0 });
  await client.connect("worker-\u202egnp.exe");
  t.after(() => client.disconnect());
  hub.addRoute({ api: "pay\u2066ments\u0007", baseUrl: "http://127.0.0.1:4001", pathPrefix: "/pay" });
  const { page, problems } = await openDashboard(t, hub.server.getDashboardUrl());
  await page.waitForFunction(() => document.getElementById("clients-count")!.textContent === "1", { timeout: 5000 });
  await page.waitForFunction(() => document.getElementById("services-count")!.textContent === "1", { timeout: 5000 });

  assert.equal(await page.$eval("#clients tbody td:nth-child(2)", (el) => el.textContent), "worker-\\u202Egnp.exe");
  assert.equal(await page.$eval("#services tbody td:nth-child(1)", (el) => el.textContent), "pay\\u2066ments\\u0007");
  // The journal's client column and the detail pane show the same.
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("worker-\\u202Egnp.exe"), { timeout: 5000 });
  assertProblems(problems, []);
});

test("a service whose URL runs to 2,048 characters does not stretch the page", async (t) => {
  const hub = new ServiceHub(0, { dashboard: true });
  await hub.start();
  t.after(() => hub.teardown());
  const long = `http://127.0.0.1:4001/${"b".repeat(2000)}`;
  hub.addRoute({ api: "users", baseUrl: long, pathPrefix: "/users" });
  const { page, problems } = await openDashboard(t, hub.server.getDashboardUrl());
  await page.waitForFunction(() => document.getElementById("services-count")!.textContent === "1", { timeout: 5000 });

  const card = await page.$eval("#services", (el) => el.closest("section")!.getBoundingClientRect().height);
  assert.ok(card < 200, `the services card is ${card}px tall`);
  const line = await page.$eval("#services tbody td:nth-child(3) div", (el) => ({ text: el.textContent, title: el.title }));
  assert.ok(line.title === `/users → ${long} (local)`, "the whole line is one hover away");
  assertProblems(problems, []);
});

test("a key added to the address of an open page (as crossipc status says: add #key=…) is used at once", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "typed-token" });
  server.interceptHttp("GET", "/health", () => ({ ok: true }));
  const { page, problems } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/__crossipc/`);
  await page.waitForFunction(() => document.getElementById("live")!.textContent!.includes("needs its key"), { timeout: 5000 });

  // Editing the fragment in the address bar navigates within the page: no reload by itself.
  await page.evaluate(() => (location.hash = "#key=typed-token"));
  await page.waitForSelector("#live.on", { timeout: 5000 });
  assert.deepEqual(await page.$$eval("#routes tbody td", (cells) => cells.map((c) => c.textContent)), ["GET", "/health", "0"]);
  // The key stays in the address: a reload keeps working.
  await page.reload();
  await page.waitForSelector("#live.on", { timeout: 5000 });
  assert.deepEqual(problems.filter((p) => !p.includes("401")), []);
});

test("a journal of megabyte bodies (as --record keeps): the page lists entries without them, and shows the first 256 KiB of one when clicked", async (t) => {
  const server = await startServer(t, { dashboard: true, journal: { bodies: true, maxBodySize: 2 * 1024 * 1024 } });
  const big = "x".repeat(1024 * 1024);
  server.interceptHttp("POST", "/upload/:n", () => new Response(big, { headers: { "content-type": "text/plain" } }));
  for (let i = 0; i < 20; i++) await (await fetch(`${server.getUrl()}/upload/${i}`, { method: "POST", body: big })).text();

  const opened = await openPage(browser, t);
  const read: number[] = [];
  opened.page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path === "/__crossipc/api/journal") void response.buffer().then((b) => read.push(b.length));
  });
  await opened.page.setViewport({ width: 1400, height: 900 });
  await opened.page.goto(server.getDashboardUrl());
  await opened.page.waitForSelector("#live.on", { timeout: 5000 });
  await opened.page.waitForFunction(() => document.getElementById("journal-count")!.textContent === "20", { timeout: 10_000 });
  // One more while the page follows: the live stream carries it without its bodies too.
  await (await fetch(`${server.getUrl()}/upload/live`, { method: "POST", body: big })).text();
  await opened.page.waitForFunction(() => document.getElementById("journal-count")!.textContent === "21", { timeout: 5000 });
  await waitFor(() => read.length === 1, "the page's read of the journal");
  assert.ok(read[0]! < 64 * 1024, `the list read ${read[0]} bytes for 20 entries of 2 MiB`);
  const heap = (await opened.page.metrics()).JSHeapUsedSize!;
  assert.ok(heap < 30 * 1024 * 1024, `the page holds ${heap} bytes`);

  await opened.page.click("#journal tbody tr[data-id]");
  await opened.page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("Response body"), { timeout: 10_000 });
  const shown = await opened.page.$$eval("#detail h4", (hs) => hs.map((h) => h.textContent));
  assert.ok(shown.includes("Response body (first 256 KiB of 1.0 MiB shown: Download HAR has it all)"), shown.join(" | "));
  assert.equal(await opened.page.$eval("#detail pre", (pre) => pre.textContent!.length), 256 * 1024);
  assertProblems(opened.problems, []);
});

test("with journal: false the page says the journal is off, not that nothing was recorded", async (t) => {
  const server = await startServer(t, { dashboard: true, journal: false });
  const { page, problems } = await openDashboard(t, server.getDashboardUrl());
  await fetch(`${server.getUrl()}/anything`);
  await page.waitForFunction(() => document.getElementById("journal-count")!.textContent === "(off: journal: false)", { timeout: 5000 });
  assertProblems(problems, []);
});

test("a base64 token typed after #key= as it is (+, / and =) opens the dashboard", async (t) => {
  // `openssl rand -base64 24` makes such tokens; crossipc status says "add #key=<your token>".
  const token = "q+7Z/xw2k1Lm+Rt0=";
  const server = await startServer(t, { dashboard: true, accessToken: token });
  const { page, problems } = await openDashboard(t, `${server.getUrl()}/__crossipc/#key=${token}`);
  assert.equal(await page.$eval("#live", (el) => el.textContent), "live");
  assertProblems(problems, []);
  // The URL the server gives (the key percent-encoded) works too.
  const given = await openDashboard(t, server.getDashboardUrl());
  assert.equal(await given.page.$eval("#live", (el) => el.textContent), "live");
});
