/**
 * A service behind the hub whose worker script says `Service-Worker-Allowed: /`, in Chromium: a
 * page at /blog/ registers that worker for a scope over the dashboard, /__crossipc/, and the worker
 * would then answer the dashboard's navigations (a page of its own, reading the key from the URL).
 * The hub refuses such an answer to the script request (502), and drops the header from a plain
 * fetch of the script, which the browser's HTTP cache would otherwise hand to a later registration
 * (a `304` to its revalidation carries no header, and the cached one counts).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startBackend, startServer } from "../node/_helpers.ts";
import { launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** A worker that answers every navigation it controls with a page of its own. */
const WORKER_JS = `self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (event.request.mode === "navigate") event.respondWith(new Response("<title>taken</title>", { headers: { "content-type": "text/html" } }));
});`;

/** A string, not a function: tsx's transform would add helpers the page does not have. */
const REGISTER = `(async () => {
  const worker = async (url, options) => {
    try {
      const registration = await navigator.serviceWorker.register(url, options);
      return "registered " + registration.scope;
    } catch (error) {
      return "refused: " + error.message;
    }
  };
  const widened = await worker("/blog/sw.js", { scope: "/__crossipc/" });
  // Fetched first as a plain script (the browser caches it), then registered: the browser revalidates its copy.
  await fetch("/blog/cached-sw.js").then((response) => response.text());
  const cached = await worker("/blog/cached-sw.js", { scope: "/", updateViaCache: "all" });
  const own = await worker("/blog/own-sw.js");
  const scopes = (await navigator.serviceWorker.getRegistrations()).map((registration) => registration.scope);
  return { widened, cached, own, scopes };
})()`;

test("a worker script that allows a scope over /__crossipc/ cannot register it, neither fetched for the registration nor from the browser's cache", async (t) => {
  const blog = await startBackend(t, (req, res) => {
    if (req.url!.endsWith(".js")) {
      // As a service does that serves its worker from a folder and widens its scope (for every fetch of it),
      // and answers a revalidation with a bare 304 (the browser keeps the headers it cached).
      if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      const widen = req.url === "/blog/own-sw.js" ? {} : { "service-worker-allowed": "/" };
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-cache", etag: '"v1"', ...widen }).end(WORKER_JS);
    } else res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>blog</title><h1>a blog</h1>");
  });
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver((path) => (path.startsWith("/blog") ? blog.url : undefined));
  const origin = server.getUrl();

  const { page } = await openPage(browser, t);
  await page.goto(`${origin}/blog/`);
  const outcome = (await page.evaluate(REGISTER)) as { widened: string; cached: string; own: string; scopes: string[] };
  assert.match(outcome.widened, /^refused: .*\(502\)/, outcome.widened);
  assert.match(outcome.cached, /^refused: .*The path of the provided scope \('\/'\) is not under the max scope allowed \('\/blog\/'\)/, outcome.cached);
  assert.equal(outcome.own, `registered ${origin}/blog/`, "a worker of the blog's own folder still registers");
  assert.deepEqual(outcome.scopes, [`${origin}/blog/`]);

  // The dashboard is the hub's page, not a worker's.
  const dashboard = await browser.newPage();
  t.after(() => dashboard.close());
  await dashboard.goto(server.getDashboardUrl());
  assert.notEqual(await dashboard.title(), "taken");
  assert.equal(await dashboard.evaluate("navigator.serviceWorker.controller === null"), true);
  const refused = server.journal.entries().filter((entry) => entry.status === 502);
  assert.deepEqual(refused.map((entry) => [entry.path, entry.takenBy]), [["/blog/sw.js", "proxy"]]);
  assert.match(refused[0]!.error!, /Service-Worker-Allowed header \("\/"\) would let the worker's scope cover the hub's dashboard/);
});
