/**
 * The other way: a HAR recorded by a tool no one here wrote (Playwright's `recordHar`, in
 * Chromium) loads into `server.replay` and answers the page's requests with the service gone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend } from "../node/_helpers.ts";
import { CHROMIUM } from "./_browser.ts";

test("a HAR Playwright recorded replays from the hub", async (t) => {
  const backend = await startBackend(t, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === "/app/") {
      res.setHeader("content-type", "text/html");
      return res.end("<!doctype html><title>app</title><p>hi</p>");
    }
    if (req.url?.startsWith("/app/search")) {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ url: req.url }));
    }
    if (req.url === "/app/save") {
      res.writeHead(201, { "content-type": "application/json" });
      return res.end(JSON.stringify({ saved: JSON.parse(Buffer.concat(chunks).toString()) }));
    }
    if (req.url === "/app/logo.bin") {
      res.setHeader("content-type", "application/octet-stream");
      return res.end(Buffer.from([137, 80, 78, 71, 0, 255]));
    }
    res.writeHead(404).end();
  });
  const hub = new IPCServer(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.setRouteProxyResolver(() => backend.url);
  const base = hub.getUrl();

  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-pw-har-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "playwright.har");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  t.after(() => browser.close());
  const context = await browser.newContext({ recordHar: { path: file, content: "embed" } });
  const page = await context.newPage();
  await page.goto(`${base}/app/`);
  const seen = await page.evaluate(visit);
  await context.close(); // writes the HAR

  // The service goes; the hub answers from Playwright's recording.
  hub.setRouteProxyResolver(() => undefined);
  const replay = hub.replay(readFileSync(file, "utf8"), { name: "playwright.har" });
  assert.ok(replay.size >= 4, `entries: ${replay.size}`);
  const again = await browser.newPage();
  await again.goto(`${base}/app/`);
  assert.equal(await again.textContent("p"), "hi");
  assert.deepEqual(await again.evaluate(visit), seen);
  assert.equal(replay.missed, 0);
});

async function visit(): Promise<unknown> {
  const search = await fetch("/app/search?q=a&page=2");
  const save = await fetch("/app/save", { method: "POST", body: JSON.stringify({ a: 1, b: [2] }), headers: { "content-type": "application/json" } });
  const logo = await fetch("/app/logo.bin");
  return [await search.json(), save.status, await save.json(), Array.from(new Uint8Array(await logo.arrayBuffer()))];
}
