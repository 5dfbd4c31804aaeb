/**
 * The browser client where README says it runs besides a page (its types need "only the DOM or
 * WebWorker lib"): a dedicated worker from a classic script and a module worker, each bundled by
 * esbuild as a user's bundler would; and the errors a page meets, as README's table says.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import type { Browser } from "puppeteer-core";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** The worker's code: connects to the hub named in its first message, makes a request, answers one. */
const WORKER_SOURCE = `
  import { IPCClient } from "crossipc/client";
  self.onmessage = async (event) => {
    try {
      const client = new IPCClient(event.data.url, { heartbeatInterval: 200, heartbeatTimeout: 5000 });
      client.onFrameworkRequest("worker/whoami", (greeting) => greeting + " from " + (typeof document === "undefined" ? "a worker" : "a page"));
      await client.connect(event.data.runtimeId);
      const sum = await client.sendFrameworkRequest("math/add", { a: 20, b: 22 });
      const timeout = await client.sendFrameworkRequest("math/never", null, 300).then(() => "answered", (e) => e.code);
      self.postMessage({ sum, timeout });
    } catch (e) {
      self.postMessage({ error: String(e && e.stack || e) });
    }
  };
`;

async function bundleWorker(format: "iife" | "esm"): Promise<string> {
  const result = await build({
    stdin: { contents: WORKER_SOURCE, resolveDir: path.resolve(import.meta.dirname, "../.."), loader: "js" },
    bundle: true,
    platform: "browser",
    format,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

for (const kind of ["classic", "module"] as const) {
  test(`a ${kind} dedicated Worker of a page connects through the hub, makes requests and answers the server's`, async (t) => {
    const code = await bundleWorker(kind === "module" ? "esm" : "iife");
    const site = await staticSite(t, {
      "/": { type: "text/html", body: "<!doctype html><title>app</title>" },
      "/worker.js": { type: "text/javascript", body: code },
    });
    const server = await startServer(t, { allowedOrigins: [site] });
    server.onFrameworkMessage(IPCServer.defineRequest<{ a: number; b: number }, number>("math/add"), ({ a, b }) => a + b);
    server.onFrameworkMessage(IPCServer.defineRequest<null, void>("math/never"), () => new Promise(() => {}));
    const { page, problems } = await openPage(browser, t);
    await page.goto(`${site}/`);
    const runtimeId = `${kind}-worker`;
    const answer = page.evaluate(`new Promise((resolve) => {
      const worker = new Worker("/worker.js", ${kind === "module" ? '{ type: "module" }' : "undefined"});
      window.worker = worker;
      worker.onerror = (e) => resolve({ error: "worker error: " + e.message });
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({ url: ${JSON.stringify(server.getUrl())}, runtimeId: ${JSON.stringify(runtimeId)} });
    })`);
    assert.deepEqual(await answer, { sum: 42, timeout: "ERR_IPC_TIMEOUT" });
    assert.equal(await server.sendFrameworkMessage(runtimeId, IPCClient.defineRequest<string, string>("worker/whoami"), "hello"), "hello from a worker");
    // Ending the worker ends its connection: the hub sees the client go.
    const gone = new Promise<string | undefined>((resolve) => server.onClientDisconnect((_id, id) => resolve(id)));
    await page.evaluate("window.worker.terminate()");
    assert.equal(await gone, runtimeId);
    assertProblems(problems, []);
  });
}
