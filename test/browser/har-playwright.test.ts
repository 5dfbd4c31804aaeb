/**
 * HAR files exchanged with a reader and a writer no one here wrote: Playwright (playwright-core,
 * driving Debian's headless Chromium).
 * - `routeFromHAR` answers a page and every request it makes from a HAR the hub wrote, with the
 *   hub and the service gone;
 * - a HAR Playwright recorded (`recordHar`) loads into `server.replay` and answers the page's
 *   requests with the service gone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend, waitFor } from "../node/_helpers.ts";
import { CHROMIUM } from "./_browser.ts";

const PAGE = `<!doctype html><title>recorded</title><p id="x">from the service</p>`;

/** The service: a page, JSON with a query and a body, bytes that are not UTF-8, a 418. */
function startApp(t: { after(fn: () => unknown): void }): ReturnType<typeof startBackend> {
  return startBackend(t, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, "http://app");
    if (url.pathname === "/app/index.html") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(PAGE);
    } else if (url.pathname === "/app/data") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ items: [1, 2, 3], query: url.search, got: Buffer.concat(chunks).toString() }));
    } else if (url.pathname === "/app/bytes") {
      res.setHeader("content-type", "application/octet-stream");
      res.end(Buffer.from([0, 255, 128, 7]));
    } else {
      res.writeHead(418, { "content-type": "text/plain" });
      res.end("teapot");
    }
  });
}

function tempFile(t: { after(fn: () => unknown): void }, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-har-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

async function launch(t: { after(fn: () => unknown): void }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  t.after(() => browser.close());
  return browser;
}

test("Playwright's routeFromHAR answers a page and its requests from a HAR the hub wrote", async (t) => {
  const backend = await startApp(t);
  const hub = new IPCServer(0, { journal: { bodies: true } });
  await hub.start();
  hub.setRouteProxyResolver(() => backend.url);
  const base = hub.getUrl();

  const browser = await launch(t);
  const live = await browser.newPage();
  await live.goto(`${base}/app/index.html`);
  const seen = await live.evaluate(visit);
  await live.close();
  // The hub copies a body as it streams to the page, so the page may have it before the journal
  // does: wait for the four entries' response bodies (a fixed wait could end first).
  await waitFor(() => {
    const entries = hub.journal.entries();
    return entries.length === 4 && entries.every((entry) => entry.responseBody !== undefined);
  }, "the four entries' response bodies in the journal");
  const har = hub.journal.toHAR();
  await hub.teardown();
  assert.equal(har.log.entries.length, 4);
  const file = tempFile(t, "session.har");
  writeFileSync(file, JSON.stringify(har));

  // The hub is gone: only the HAR can answer now (notFound: "abort" fails anything it lacks).
  const context = await browser.newContext();
  await context.routeFromHAR(file, { notFound: "abort" });
  const page = await context.newPage();
  await page.goto(`${base}/app/index.html`);
  assert.equal(await page.textContent("#x"), "from the service");
  assert.deepEqual(await page.evaluate(visit), seen);
  await context.close();
});

test("a HAR Playwright recorded replays from the hub", async (t) => {
  const backend = await startApp(t);
  const hub = new IPCServer(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.setRouteProxyResolver(() => backend.url);
  const base = hub.getUrl();

  const file = tempFile(t, "playwright.har");
  const browser = await launch(t);
  const context = await browser.newContext({ recordHar: { path: file, content: "embed" } });
  const page = await context.newPage();
  await page.goto(`${base}/app/index.html`);
  const seen = await page.evaluate(visit);
  await context.close(); // writes the HAR

  // The service goes; the hub answers from Playwright's recording.
  hub.setRouteProxyResolver(() => undefined);
  const replay = hub.replay(readFileSync(file, "utf8"), { name: "playwright.har" });
  assert.ok(replay.size >= 4, `entries: ${replay.size}`);
  const again = await browser.newPage();
  await again.goto(`${base}/app/index.html`);
  assert.equal(await again.textContent("#x"), "from the service");
  assert.deepEqual(await again.evaluate(visit), seen);
  assert.equal(replay.missed, 0);
});

/** What the page fetches (run in the browser). */
async function visit(): Promise<unknown> {
  const data = await fetch("/app/data?b=2&a=1", { method: "POST", body: '{"q":1}', headers: { "content-type": "application/json" } });
  const bytes = await fetch("/app/bytes");
  const teapot = await fetch("/app/teapot");
  return {
    data: [data.status, await data.json()],
    bytes: [bytes.status, Array.from(new Uint8Array(await bytes.arrayBuffer()))],
    teapot: [teapot.status, await teapot.text()],
  };
}
