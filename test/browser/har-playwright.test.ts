/**
 * A HAR the hub wrote, read by a HAR reader no one here wrote: Playwright's `routeFromHAR`
 * (playwright-core, driving Debian's headless Chromium). The page and every request it makes
 * are answered from the file, with the hub and the service gone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend } from "../node/_helpers.ts";
import { CHROMIUM } from "./_browser.ts";

const PAGE = `<!doctype html><title>recorded</title><p id="x">from the service</p>`;

test("Playwright's routeFromHAR answers a page and its requests from a HAR the hub wrote", async (t) => {
  const backend = await startBackend(t, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === "/app/index.html") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(PAGE);
    } else if (req.url === "/app/data?b=2&a=1") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ items: [1, 2, 3], got: Buffer.concat(chunks).toString() }));
    } else if (req.url === "/app/bytes") {
      res.setHeader("content-type", "application/octet-stream");
      res.end(Buffer.from([0, 255, 128, 7]));
    } else {
      res.writeHead(418, { "content-type": "text/plain" });
      res.end("teapot");
    }
  });
  const hub = new IPCServer(0, { journal: { bodies: true } });
  await hub.start();
  hub.setRouteProxyResolver(() => backend.url);
  const base = hub.getUrl();

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  t.after(() => browser.close());
  const live = await browser.newPage();
  await live.goto(`${base}/app/index.html`);
  const seen = await live.evaluate(visit);
  await live.close();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the last body copies settle
  const har = hub.journal.toHAR();
  await hub.teardown();
  assert.equal(har.log.entries.length, 4);

  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-har-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "session.har");
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
