/**
 * The faults API and the framework connection against pages in a real Chromium: a page proxied
 * through the hub (the dashboard's own origin) and a page of another site try to add, list and
 * clear faults and to open the framework connection, as an attacker's page would.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startBackend, startServer } from "../node/_helpers.ts";
import { launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** Run in the page: each attempt's status (or how the browser blocked it). A string: tsx would add helpers the page lacks. */
const attack = (hub: string) => `(async () => {
  const hub = ${JSON.stringify(hub)};
  const body = JSON.stringify({ match: { path: "/pay/**" }, fault: { status: 503 } });
  async function attempt(path, init) {
    try {
      const response = await fetch(hub + path, init);
      return response.type === "opaque" ? "opaque" : String(response.status);
    } catch (error) {
      return "blocked";
    }
  }
  const socket = await new Promise((resolve) => {
    const ws = new WebSocket(hub.replace("http", "ws") + "/__ggFrameworkConnection?runtimeId=page");
    ws.onopen = () => resolve("open");
    ws.onerror = () => resolve("refused");
  });
  return {
    json: await attempt("/__crossipc/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body }),
    text: await attempt("/__crossipc/api/faults", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body }),
    list: await attempt("/__crossipc/api/faults"),
    clear: await attempt("/__crossipc/api/faults", { method: "DELETE" }),
    socket,
  };
})()`;

test("neither a page proxied through the hub nor a page of another site can add, read or clear faults, or open the framework connection", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const kept = server.fault({ path: "/kept" }, { latency: 1 });
  const blog = await startBackend(t, (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>blog</title>"));
  server.setRouteProxyResolver((path) => (path.startsWith("/blog") ? blog.url : undefined));
  const other = await staticSite(t, { "/": { type: "text/html", body: "<!doctype html><title>evil</title>" } });

  const { page } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/blog/`);
  const proxied = (await page.evaluate(attack(server.getUrl()))) as Record<string, string>;
  assert.deepEqual(proxied, { json: "401", text: "401", list: "401", clear: "401", socket: "refused" });

  await page.goto(`${other}/`);
  const foreign = (await page.evaluate(attack(server.getUrl()))) as Record<string, string>;
  // Cross-origin: the browser hides the refusals (CORS), the hub refused them all the same.
  assert.deepEqual(foreign, { json: "blocked", text: "opaque", list: "blocked", clear: "blocked", socket: "refused" });

  assert.deepEqual(server.faults().map((f) => f.id), [kept.id], "no fault added, none removed");
});
