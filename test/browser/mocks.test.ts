/** The dashboard lists the rules of other processes by scope, with their owner and calls (SPEC §10). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("rules appear grouped by scope with owner and calls, go when removed, and the journal shows each mock's scope", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  assert.match(await page.$eval("#mocks tbody", (el) => el.textContent!), /No mocks/);

  const mocks = await connectMocks(server.getPort(), { runtimeId: "checkout-spec" });
  t.after(() => mocks.close());
  const scope = mocks.scope("spec-7");
  await scope.intercept("GET", "/users/:id", () => ({ mocked: true }));
  const unscoped = await mocks.interceptRequest("POST", "/orders", () => new Response("nope", { status: 409 }));
  await fetch(`${server.getUrl()}/users/1`, { headers: scope.headers });
  await fetch(`${server.getUrl()}/users/2`, { headers: scope.headers });

  await page.waitForFunction(() => document.querySelector("#mocks tbody")!.textContent!.includes("spec-7"), { timeout: 5000 });
  await page.waitForFunction(() => /GET\/users\/:id.*2$/.test(Array.from(document.querySelectorAll("#mocks tbody tr"), (r) => r.textContent).join("\n").split("\n").find((l) => l.includes("/users/:id")) ?? ""), { timeout: 5000 });
  const rows = await page.$$eval("#mocks tbody tr", (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  assert.deepEqual(rows[0], ["unscoped · 1 rule"]);
  assert.deepEqual(rows[1]!.slice(1), ["request", "POST", "/orders", rows[1]![4], "0"]);
  assert.match(rows[1]![4]!, /^checkout-spec \(client-\d+\)$/);
  assert.deepEqual(rows[2], ["scope spec-7 · 1 rule"]);
  assert.deepEqual(rows[3]!.slice(1, 4), ["intercept", "GET", "/users/:id"]);
  assert.equal(rows[3]![5], "2");
  assert.equal(await page.$eval("#mocks-count", (el) => el.textContent), "2");

  // The journal row says which rule took it; its detail shows the scope; the scope filter keeps only its entries.
  await page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("mock m1 GET /users/:id"), { timeout: 5000 });
  await page.type("#filter input[name=scope]", "spec-7");
  await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length === 2, { timeout: 5000 });
  await page.click("#journal tbody tr[data-id]");
  await page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("scopespec-7"), { timeout: 5000 });

  await unscoped.remove();
  await scope.close();
  await page.waitForFunction(() => document.querySelector("#mocks tbody")!.textContent!.includes("No mocks"), { timeout: 5000 });
  assertProblems(problems, []);
});

test("a hub with 600 rules shows the first 500 and says how many more", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope("many");
  await Promise.all(Array.from({ length: 600 }, (_, i) => scope.intercept("GET", `/r/${i}`, () => i)));
  const { page, problems } = await openPage(browser, t);
  await page.goto(server.getDashboardUrl());
  await page.waitForSelector("#live.on", { timeout: 5000 });
  await page.waitForFunction(() => document.getElementById("mocks-count")!.textContent === "600", { timeout: 5000, polling: 100 });
  const rows = await page.$$eval("#mocks tbody tr", (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 502, "a group row, 500 rules, the note");
  assert.equal(rows[0], "scope many · 600 rules");
  assert.equal(rows.at(-1), "… 100 more rules (see /__crossipc/api/state)");
  assertProblems(problems, []);
});

test("a page's WebSocket that offers subprotocols (graphql-ws) connects to a mock and gets the first it offered", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/app/page", () => new Response("<!doctype html><title>app</title>", { headers: { "content-type": "text/html" } }));
  await mocks.interceptWebSocket("/app/graphql", (socket) => socket.onMessage((data) => socket.send(`echo ${data}`)));
  const { page, problems } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/app/page`);
  const seen = await page.evaluate(`new Promise((resolve) => {
    const socket = new WebSocket(location.origin.replace("http", "ws") + "/app/graphql", ["graphql-transport-ws", "graphql-ws"]);
    socket.onopen = () => socket.send("connection_init");
    socket.onmessage = (event) => { resolve(socket.protocol + " / " + event.data); socket.close(); };
    socket.onerror = () => resolve("error");
  })`);
  assert.equal(seen, "graphql-transport-ws / echo connection_init");
  assertProblems(problems, []);
});
