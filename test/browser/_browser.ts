import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build } from "esbuild";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Debian's headless Chromium (CI installs `chromium-headless-shell`); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium-headless-shell";

/** `args`: more Chromium switches (e.g. `--host-resolver-rules=MAP evil.test 127.0.0.1`). */
export function launch(args: string[] = []): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", ...args],
  });
}

/** A page that records what a person would see as a problem: console errors, page errors, failed loads. */
export async function openPage(browser: Browser, t: { after(fn: () => unknown): void }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  t.after(() => page.close());
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${(error as Error).message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  return { page, problems };
}

/**
 * Asserts what `openPage` recorded so far. It compares a copy: a failed assertion keeps the array it
 * was given and the runner prints it after the test's `after` hooks, and tearing down the hub and
 * the page aborts the dashboard's live stream (`request failed: …/api/events… net::ERR_ABORTED`),
 * which the live array then showed as if the page had met it while the test ran.
 */
export function assertProblems(problems: readonly string[], expected: readonly string[]): void {
  assert.deepEqual([...problems], expected);
}

/** A plain static web server on 127.0.0.1:0 (another origin than the hub). */
export async function staticSite(t: { after(fn: () => unknown): void }, files: Record<string, { type: string; body: string }>): Promise<string> {
  const server = http.createServer((req, res) => {
    const file = files[req.url!.split("?")[0]!];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file.type }).end(file.body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * `import … from "crossipc/client"` bundled for the browser by esbuild, from the built package
 * (its exports map), as a user's bundler would. Returns the script and the files it pulled in.
 */
export async function bundleClient(source: string): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    stdin: { contents: source, resolveDir: path.resolve(import.meta.dirname, "../.."), loader: "js" },
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}
