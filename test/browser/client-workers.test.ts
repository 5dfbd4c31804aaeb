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
import { assertProblems, bundleClient, launch, openPage, staticSite } from "./_browser.ts";

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

test("a page's requests fail as README's table says: a path no handler takes, a timeout, a frame past maxMessageSize, a payload JSON cannot hold", async (t) => {
  const bundle = await bundleClient(`import { IPCClient, IPCError } from "crossipc/client"; window.crossipc = { IPCClient, IPCError };`);
  const site = await staticSite(t, {
    "/": { type: "text/html", body: '<!doctype html><title>app</title><script src="/bundle.js"></script>' },
    "/bundle.js": { type: "text/javascript", body: bundle.code },
  });
  const server = await startServer(t, { allowedOrigins: [site], maxMessageSize: 4096 });
  server.onFrameworkMessage(IPCServer.defineRequest<null, void>("math/never"), () => new Promise(() => {}));
  server.onFrameworkMessage(IPCServer.defineRequest<null, void>("math/throws"), () => {
    throw new Error("no <b>such</b> account");
  });
  const { page, problems } = await openPage(browser, t);
  await page.goto(`${site}/`);
  await page.waitForFunction("window.crossipc !== undefined", { timeout: 5000 });
  const outcome = (await page.evaluate(`(async () => {
    const client = new crossipc.IPCClient(${server.getPort()});
    await client.connect("tab");
    const fail = (p) => p.then((v) => ({ answered: v }), (e) => ({ code: e.code, message: e.message, isIPCError: e instanceof crossipc.IPCError }));
    const unknown = await fail(client.sendFrameworkRequest("math/nobody", 1));
    const threw = await fail(client.sendFrameworkRequest("math/throws", null));
    const timeout = await fail(client.sendFrameworkRequest("math/never", null, 200));
    const cycle = {}; cycle.self = cycle;
    const notSerializable = await fail(client.sendFrameworkRequest("math/nobody", cycle));
    const stillUp = client.isConnected();
    const oversize = await fail(client.sendFrameworkRequest("math/nobody", "x".repeat(10000)));
    return { unknown, threw, timeout, notSerializable, stillUp, oversize, after: client.isConnected() };
  })()`)) as { [name in "unknown" | "threw" | "timeout" | "notSerializable" | "oversize"]: { code: string; message: string; isIPCError: boolean } } & { stillUp: boolean; after: boolean };
  assert.deepEqual(outcome.unknown, { code: "ERR_IPC_REMOTE", message: "No handler for: math/nobody", isIPCError: true });
  assert.deepEqual(outcome.threw, { code: "ERR_IPC_REMOTE", message: "no <b>such</b> account", isIPCError: true });
  assert.deepEqual(outcome.timeout, { code: "ERR_IPC_TIMEOUT", message: "Request 'math/never' timed out after 200ms", isIPCError: true });
  assert.equal(outcome.notSerializable.code, "ERR_IPC_NOT_SERIALIZABLE");
  assert.equal(outcome.stillUp, true, "a payload JSON cannot hold leaves the connection up");
  assert.equal(outcome.oversize.code, "ERR_IPC_CLOSED");
  assert.match(outcome.oversize.message, /Connection closed.*1009/);
  assert.equal(outcome.after, false);
  assertProblems(problems, []);
});
