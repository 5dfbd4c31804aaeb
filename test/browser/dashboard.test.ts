import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { startBackend, startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** Opens the dashboard at the URL the server gives (with its key) and waits until its live stream is connected. */
async function openDashboard(t: { after(fn: () => unknown): void }, server: IPCServer): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, t);
  await opened.page.goto(server.getDashboardUrl());
  await opened.page.waitForSelector("#live.on", { timeout: 5000 });
  return opened;
}

const journalRows = (page: Page) =>
  page.$$eval("#journal tbody tr[data-id]", (rows) => rows.map((row) => Array.from(row.children, (cell) => cell.textContent)));

test("the page loads with no console errors and shows the hub", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "tok en" });
  server.interceptHttp("GET", "/health", () => ({ ok: true }));
  const { page, problems } = await openDashboard(t, server);
  assert.ok(page.url().endsWith("/__crossipc/#key=tok%20en"), "with a token, the key is the token");
  await page.waitForFunction((url) => document.getElementById("hub-url")!.textContent === url, { timeout: 5000 }, server.getUrl());
  assert.match(await page.$eval("#runtime", (el) => el.textContent!), /^node \d+\.\d+\.\d+$/);
  assert.match(await page.$eval("#leader", (el) => el.textContent!), /^leader · server$/);
  assert.deepEqual(await page.$$eval("#routes tbody td", (cells) => cells.map((c) => c.textContent)), ["GET", "/health", "0"]);
  assertProblems(problems, []);
});

test("a client that connects from Node appears, with its requests", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.onFrameworkMessage(IPCServer.defineRequest<void, string>("hub/ping"), () => "pong");
  const { page, problems } = await openDashboard(t, server);
  assert.equal(await page.$eval("#clients tbody", (el) => el.textContent), "No client connected");

  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect("billing-worker");
  t.after(() => client.disconnect());
  await client.sendFrameworkRequest(IPCServer.defineRequest<void, string>("hub/ping"), undefined);
  // The state may first show the client before its request: wait for the one counted.
  await page.waitForFunction(() => document.querySelector("#clients tbody td:nth-child(4)")?.textContent === "1", { timeout: 5000 });
  const cells = await page.$$eval("#clients tbody tr td", (tds) => tds.map((td) => td.textContent));
  assert.equal(cells[1], "billing-worker");
  assert.deepEqual(cells.slice(3), ["1", "0", "0"], "in, out, pending");
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("hub/ping"), { timeout: 5000 });
  assertProblems(problems, []);
});

test("a request proxied through the server appears within a second, with its detail", async (t) => {
  const backend = await startBackend(t, (_req, res) => {
    res.setHeader("content-type", "application/json");
    res.setHeader("x-backend", "orders-1");
    res.end('{"order":42}');
  });
  const server = await startServer(t, { dashboard: true, journal: { bodies: true } });
  server.setRouteProxyResolver((path) => (path.startsWith("/orders") ? backend.url : undefined));
  const { page, problems } = await openDashboard(t, server);

  const response = await fetch(`${server.getUrl()}/orders/42?expand=items`, { headers: { "x-trace": "abc" } });
  assert.equal(await response.text(), '{"order":42}');
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/orders/42?expand=items"), {
    timeout: 1000,
    polling: 50,
  });
  const [row] = await journalRows(page);
  assert.deepEqual(row!.slice(1, 6), ["http", "GET", "/orders/42?expand=items", `proxy → ${backend.url}/orders/42?expand=items`, "200"]);

  await page.click("#journal tbody tr[data-id]");
  await page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("x-backend"), { timeout: 5000 });
  const detail = await page.$eval("#detail", (el) => el.textContent!);
  assert.match(detail, /x-traceabc/, "request headers");
  assert.match(detail, /x-backendorders-1/, "response headers");
  assert.match(detail, /"order": 42/, "the recorded body, pretty-printed");
  assertProblems(problems, []);
});

test("the filter narrows the list", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("*", "/users/:id", () => ({ ok: true }));
  for (const [method, path] of [["GET", "/users/1"], ["POST", "/users/2"], ["GET", "/teams/3"], ["GET", "/users/4"]] as const) {
    await fetch(`${server.getUrl()}${path}`, { method });
  }
  const { page, problems } = await openDashboard(t, server);
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length === 4, { timeout: 5000 });

  const paths = async () => (await journalRows(page)).map((row) => row[3]);
  await page.type("#filter input[name=path]", "users");
  assert.deepEqual(await paths(), ["/users/4", "/users/2", "/users/1"]);
  await page.select("#filter select[name=method]", "POST");
  assert.deepEqual(await paths(), ["/users/2"]);
  await page.select("#filter select[name=method]", "");
  await page.$eval("#filter input[name=path]", (input) => ((input as HTMLInputElement).value = ""));
  await page.type("#filter input[name=status]", "4xx");
  assert.deepEqual(await paths(), ["/teams/3"]);
  assert.equal(await page.$eval("#journal-count", (el) => el.textContent), "1 of 4");
  assertProblems(problems, []);
});

test("a page from another origin can neither open the framework connection nor read the JSON API", async (t) => {
  const warnings: string[] = [];
  const server = await startServer(t, { dashboard: true, logger: { warn: (message) => warnings.push(message) } });
  const site = await staticSite(t, { "/": { type: "text/html", body: "<!doctype html><title>elsewhere</title>" } });
  const page = await browser.newPage();
  t.after(() => page.close());
  await page.goto(`${site}/`);

  // A string, not a function: tsx's transform would add helpers the page does not have.
  const outcome = await page.evaluate(`(async (hub) => {
    const socket = await new Promise((resolve) => {
      const ws = new WebSocket(hub.replace("http", "ws") + "/__ggFrameworkConnection");
      ws.onopen = () => resolve("opened");
      ws.onerror = () => resolve("refused");
    });
    async function read(path) {
      try {
        const response = await fetch(hub + path);
        return "read " + response.status + ": " + (await response.text());
      } catch (error) {
        return "blocked: " + error.name;
      }
    }
    const opaque = await fetch(hub + "/__crossipc/api/state", { mode: "no-cors" });
    return { socket, state: await read("/__crossipc/api/state"), journal: await read("/__crossipc/api/journal"), opaque: opaque.type };
  })(${JSON.stringify(server.getUrl())})`);

  assert.deepEqual(outcome, { socket: "refused", state: "blocked: TypeError", journal: "blocked: TypeError", opaque: "opaque" });
  // The hub refused them itself; it did not only rely on the browser hiding the answers.
  assert.deepEqual(warnings.filter((w) => w.includes("Dashboard request")).length, 3, warnings.join("\n"));
  assert.ok(warnings.some((w) => /Framework connection refused: Origin 'http:\/\/127\.0\.0\.1:\d+' is not allowed/.test(w)));
  const refused = server.journal.entries({ status: 403 });
  assert.equal(refused.length, 1, "the upgrade (the dashboard's own answers are not journaled)");
  assert.equal(refused[0]!.kind, "websocket");
});

// The hub keeps 16 live streams; a newer one takes the oldest's place. The page whose stream was
// taken says so and does not reconnect: reconnecting would take another reader's place in turn.
test("a page whose live stream a newer reader took says so and does not take another's place", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const { page, problems } = await openDashboard(t, server);
  const readers: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  t.after(() => Promise.all(readers.map((reader) => reader.cancel().catch(() => {}))));
  for (let i = 0; i < 16; i++) {
    const response = await fetch(`${server.getUrl()}/__crossipc/api/events`);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    await reader.read();
    readers.push(reader);
  }
  const replaced = "A newer dashboard event stream took this one's place: at most 16 are open at once";
  await page.waitForFunction((text) => document.getElementById("live")!.textContent === text, { timeout: 5000 }, replaced);
  // Past the page's 2 s wait before it reconnects: it is still out, and no reader of ours lost its place.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await page.$eval("#live", (el) => el.textContent), replaced);
  assert.equal(await page.$eval("#live", (el) => el.className), "");
  // Chromium reports the stream the hub ended as aborted; nothing else went wrong.
  assertProblems(
    problems.filter((problem) => !/^request failed: .*\/__crossipc\/api\/events\?bodies=0&after=\d+ net::ERR_ABORTED$/.test(problem)),
    [],
  );
});
