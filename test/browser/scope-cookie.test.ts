/**
 * A page's scope (SPEC §10): a `crossipc-scope` cookie set by a page served through the hub
 * applies to its fetches and to its WebSocket upgrades, and pages of different scopes open at once
 * (a Playwright spec per browser context) never see each other's mocks.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { WebSocketServer } from "ws";
import { connectMocks, ServiceHub } from "../../adapters/node.ts";
import { startBackend } from "../node/_helpers.ts";
import { launch } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** What a page sees ten times over: its API's answer and its WebSocket's first message. A string: tsx's helpers are not in the page. */
const VISIT = `(async (scope) => {
  if (scope) document.cookie = "crossipc-scope=" + scope + "; path=/";
  const seen = new Set();
  for (let i = 0; i < 10; i++) {
    const http = (await (await fetch("/app/api/who")).json()).who;
    const ws = await new Promise((resolve) => {
      const socket = new WebSocket(location.origin.replace("http", "ws") + "/app/live");
      socket.onmessage = (event) => { resolve(event.data); socket.close(); };
      socket.onerror = () => resolve("error");
    });
    seen.add(http + " / " + ws);
  }
  return [...seen];
})`;

test("pages of two scopes at once see only their own mocks, over fetch and WebSocket; a page without one sees the service", async (t) => {
  const app = await startBackend(t, (req, res) => {
    if (req.url === "/app/page") res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>");
    else res.writeHead(200, { "content-type": "application/json" }).end('{"who":"service"}');
  });
  const sockets = new WebSocketServer({ server: app.server });
  sockets.on("connection", (socket) => socket.send("service"));
  t.after(() => sockets.close());

  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "app", baseUrl: app.url, pathPrefix: "/app" });
  const mocks = await connectMocks(hub.getUrl(), { runtimeId: "spec" });
  t.after(() => mocks.close());
  for (const id of ["spec-a", "spec-b"]) {
    const scope = mocks.scope(id);
    await scope.intercept("GET", "/app/api/who", () => ({ who: id }));
    await scope.interceptWebSocket("/app/live", (socket) => socket.send(id));
  }

  const visit = async (scope: string | null) => {
    const context = await browser.createBrowserContext(); // its own cookies, as each Playwright test has
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${hub.getUrl()}/app/page`);
    return page.evaluate(`${VISIT}(${JSON.stringify(scope)})`);
  };
  const [a, b, none] = await Promise.all([visit("spec-a"), visit("spec-b"), visit(null)]);
  assert.deepEqual(a, ["spec-a / spec-a"]);
  assert.deepEqual(b, ["spec-b / spec-b"]);
  assert.deepEqual(none, ["service / service"]);

  // The journal names each request's scope, read from the cookie (whose value it redacts).
  const upgrades = hub.server.journal.entries({ kind: "websocket", path: "/app/live" });
  assert.deepEqual(new Set(upgrades.map((e) => `${e.scope} ${e.takenBy}`)), new Set(["spec-a mock", "spec-b mock", "null proxy"]));
  const calls = hub.server.journal.entries({ scope: "spec-a", path: "/app/api/who" });
  assert.equal(calls.length, 10);
  assert.equal(calls[0]!.requestHeaders!["cookie"], "[redacted]");
});
