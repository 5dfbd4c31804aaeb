import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { startServer } from "../node/_helpers.ts";
import { bundleClient, launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
let bundle: { code: string; inputs: string[] };
before(async () => {
  browser = await launch();
  bundle = await bundleClient(`
    import { IPCClient, IPCError, INTERNAL_SOCKET_PATH } from "crossipc/client";
    window.crossipc = { IPCClient, IPCError, INTERNAL_SOCKET_PATH };
  `);
});
after(() => browser?.close());

const add = IPCServer.defineRequest<{ a: number; b: number }, number>("math/add");
const whoami = IPCClient.defineRequest<string, string>("page/whoami");

/** A page on its own origin with the bundled client loaded. */
async function clientPage(t: { after(fn: () => unknown): void }) {
  const site = await staticSite(t, {
    "/": { type: "text/html", body: '<!doctype html><title>app</title><script src="/bundle.js"></script>' },
    "/bundle.js": { type: "text/javascript", body: bundle.code },
  });
  const opened = await openPage(browser, t);
  await opened.page.goto(`${site}/`);
  await opened.page.waitForFunction("window.crossipc !== undefined", { timeout: 5000 });
  return { site, ...opened };
}

test("crossipc/client bundles for the browser without node: imports or server code", () => {
  assert.ok(bundle.inputs.some((input) => input.endsWith("dist/adapters/browser.js")), "resolved through the exports map to the built client");
  const unwanted = bundle.inputs.filter((input) => input.startsWith("node:") || /node_modules\/(crossws|h3|srvx|rou3|ofetch|ws)\//.test(input) || /server|adapters\/(?!browser\.js$|_browser-definitions\.js$)/.test(input));
  assert.deepEqual(unwanted, []);
  // 42.3 kB since the client checks its numeric options and escapes a server's words (src/_numberOptions.ts,
  // src/_controls.ts); 44.6 kB since it checks its port and bounds its listener lines (src/_port.ts, src/_boundedLog.ts);
  // 47.9 kB (45.8 before) since it names a token too large for a request's head and hides a token Bun's errors
  // cut in two (src/client/_headSize.ts, hideCut in src/client/_hideSecrets.ts); 49.2 kB since IPCSocket may frame
  // a long answer from its parts (successParts in src/protocol.ts) and the client reads a 431 from Bun's and Deno's
  // own errors (src/client/_connectFailure.ts).
  // A server module pulled in by mistake adds far more than the margin.
  assert.ok(bundle.code.length < 51_000, `bundle is ${bundle.code.length} bytes`);
});

test("\"crossipc\" itself under a bundler's browser condition is the client entry, and it works in a page", async (t) => {
  // SPEC §9: the `browser` condition of the package's root, not only the `crossipc/client` subpath
  // (the packed-package tests bundle the subpath alone).
  const root = await bundleClient(`
    import { IPCClient, IPCError, IPCSocket, INTERNAL_SOCKET_PATH, IPCServer } from "crossipc";
    // A module of definitions shared with the service, as code written for the original has it.
    const add = IPCServer.defineRequest("math/add");
    const badName = (() => { try { IPCServer.defineRequest("a:b"); return "defined"; } catch (e) { return e instanceof IPCError && e.code; } })();
    const construct = (() => { try { new IPCServer(0); return "constructed"; } catch (e) { return e.message; } })();
    window.root = { IPCClient, IPCError, IPCSocket, INTERNAL_SOCKET_PATH, add, badName, construct };
  `);
  assert.ok(root.inputs.some((input) => input.endsWith("dist/adapters/browser.js")), root.inputs.join("\n"));
  assert.deepEqual(root.inputs.filter((input) => input.startsWith("node:") || /node_modules\/(crossws|h3|srvx|rou3|ofetch|ws)\//.test(input)), []);
  const site = await staticSite(t, {
    "/": { type: "text/html", body: '<!doctype html><title>app</title><script src="/root.js"></script>' },
    "/root.js": { type: "text/javascript", body: root.code },
  });
  const { page, problems } = await openPage(browser, t);
  await page.goto(`${site}/`);
  await page.waitForFunction("window.root !== undefined", { timeout: 5000 });
  const server = await startServer(t, { allowedOrigins: [site] });
  server.onFrameworkMessage(add, ({ a, b }) => a + b);
  const answers = await page.evaluate(`(async () => {
    const client = new root.IPCClient(${server.getPort()});
    client.onFrameworkRequest("page/whoami", (greeting) => greeting + " page");
    await client.connect("root-tab");
    window.rootClient = client;
    const sum = await client.sendFrameworkRequest(root.add, { a: 20, b: 22 });
    const invalid = await client.sendFrameworkRequest("a:b", 1).then(() => "sent", (e) => e instanceof root.IPCError && e.code);
    return { sum, invalid, path: root.INTERNAL_SOCKET_PATH, socket: typeof root.IPCSocket, badName: root.badName, construct: root.construct };
  })()`);
  const { construct, ...rest } = answers as { construct: string };
  assert.deepEqual(rest, { sum: 42, invalid: "ERR_IPC_INVALID_NAME", path: "/__ggFrameworkConnection", socket: "function", badName: "ERR_IPC_INVALID_NAME" });
  assert.match(construct, /cannot run an IPCServer.*Node\.js, Bun or Deno/);
  assert.equal(await server.sendFrameworkMessage("root-tab", whoami, "hello"), "hello page");
  await page.evaluate("window.rootClient.disconnect()");
  assert.deepEqual(problems, []);
});

test("the bundled IPCClient makes a request in each direction with a hub", async (t) => {
  const { site, page, problems } = await clientPage(t);
  const server = await startServer(t, { allowedOrigins: [site], accessToken: "page-token" });
  server.onFrameworkMessage(add, ({ a, b }, msg) => (msg.runtimeId === "browser-tab" ? a + b : -1));
  const connected = new Promise<string | undefined>((resolve) => server.onClientConnect((_id, runtimeId) => resolve(runtimeId)));

  const sum = await page.evaluate(`(async () => {
    // Counts the hub's answers to the client's heartbeats (the bundle takes the global WebSocket when it connects).
    window.heartbeatsAnswered = 0;
    window.WebSocket = class extends WebSocket {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (event) => {
          if (typeof event.data === "string" && event.data.startsWith("s:") && event.data.includes(":__crossipc/ping:")) window.heartbeatsAnswered++;
        });
      }
    };
    const client = new crossipc.IPCClient(${JSON.stringify(server.getUrl())}, { accessToken: "page-token", heartbeatInterval: 200, heartbeatTimeout: 5000 });
    client.onFrameworkRequest("page/whoami", (greeting) => greeting + ", I am " + location.origin);
    await client.connect("browser-tab");
    window.client = client;
    return client.sendFrameworkRequest("math/add", { a: 2, b: 3 });
  })()`);
  assert.equal(sum, 5);
  assert.equal(await connected, "browser-tab");
  assert.equal(await server.sendFrameworkMessage("browser-tab", whoami, "hello"), `hello, I am ${site}`);

  // The app-level heartbeat keeps a quiet page connected: the hub answers it like any request.
  // Waited for by its answers, not by a time: a 1 s heartbeatTimeout and a 700 ms wait closed the
  // page's connection under load (a heartbeat unanswered within 1 s at load 15-22 on 2 cores), and
  // left unanswered heartbeats unseen on a quiet machine (the first would time out only after 1.2 s).
  await page.waitForFunction("window.heartbeatsAnswered >= 3", { timeout: 15_000 });
  assert.equal(await page.evaluate("window.client.isConnected()"), true);

  // The hub going away ends the page's connection: onClose fires, pending requests reject.
  let received!: () => void;
  const slowArrived = new Promise<void>((resolve) => (received = resolve));
  server.onFrameworkMessage(IPCServer.defineRequest<null, void>("math/slow"), () => {
    received();
    return new Promise(() => {});
  });
  const closed = page.evaluate(`new Promise((resolve) => {
    const pending = window.client.sendFrameworkRequest("math/slow", null, 5000).catch((e) => e.code);
    window.client.onClose(() => pending.then(resolve));
  })`);
  await slowArrived;
  await server.teardown();
  assert.equal(await closed, "ERR_IPC_CLOSED");
  assert.deepEqual(problems.filter((p) => !p.includes("WebSocket")), []);
});

test("after the hub restarts on its port, the page's same IPCClient connects again and its requests go through", async (t) => {
  const { site, page, problems } = await clientPage(t);
  const first = await startServer(t, { allowedOrigins: [site] });
  const port = first.getPort();
  first.onFrameworkMessage(add, ({ a, b }) => a + b);
  assert.equal(await page.evaluate(`(async () => {
    window.client = new crossipc.IPCClient(${port}, { heartbeatInterval: 200, heartbeatTimeout: 1000 });
    window.closes = 0;
    window.client.onClose(() => window.closes++);
    await window.client.connect("browser-tab");
    return window.client.sendFrameworkRequest("math/add", { a: 1, b: 2 });
  })()`), 3);

  await first.teardown();
  await page.waitForFunction("window.closes === 1 && !window.client.isConnected()", { timeout: 5000 });
  // While no hub is there, connect() rejects with the error a caller can retry on, and requests reject at once.
  assert.deepEqual(await page.evaluate(`Promise.all([
    window.client.connect("browser-tab").then(() => "connected", (e) => e.code),
    window.client.sendFrameworkRequest("math/add", { a: 1, b: 1 }).then(() => "answered", (e) => e.code),
  ])`), ["ERR_IPC_CONNECT", "ERR_IPC_NOT_CONNECTED"]);

  const second = new IPCServer(port, { allowedOrigins: [site] });
  assert.equal(await second.start(), true);
  t.after(() => second.teardown());
  second.onFrameworkMessage(add, ({ a, b }) => a * b);
  const connected = new Promise<string | undefined>((resolve) => second.onClientConnect((_id, runtimeId) => resolve(runtimeId)));
  assert.equal(await page.evaluate(`window.client.connect("browser-tab").then(() => window.client.sendFrameworkRequest("math/add", { a: 4, b: 5 }))`), 20);
  assert.equal(await connected, "browser-tab");
  assert.equal(await page.evaluate("window.client.isConnected()"), true);
  // The one refused connection of the browser itself is all the page met.
  assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p)), []);
});

test("refusals reach the page as the same clear errors", async (t) => {
  const { site, page } = await clientPage(t);
  const tokenHub = await startServer(t, { allowedOrigins: [site], accessToken: "right" });
  const closedHub = await startServer(t);
  const idle = new IPCServer(0);
  await idle.start();
  const deadUrl = idle.getUrl();
  await idle.teardown();

  const attempt = (url: string, options: object) =>
    page.evaluate(`(async () => {
      try {
        await new crossipc.IPCClient(${JSON.stringify(url)}, ${JSON.stringify(options)}).connect("tab");
        return "connected";
      } catch (error) {
        return { code: error.code, message: error.message, isIPCError: error instanceof crossipc.IPCError };
      }
    })()`);

  assert.deepEqual(await attempt(tokenHub.getUrl(), { accessToken: "wrong" }), {
    code: "ERR_IPC_UNAUTHORIZED",
    message: `IPC server at ${tokenHub.getUrl().replace("http", "ws")} refused the connection: Unauthorized: missing or wrong access token`,
    isIPCError: true,
  });
  const foreign = (await attempt(closedHub.getUrl(), {})) as { code: string; message: string };
  assert.equal(foreign.code, "ERR_IPC_UNAUTHORIZED");
  assert.match(foreign.message, new RegExp(`refused the connection: Origin '${site}' is not allowed to open the framework connection`));
  const dead = (await attempt(deadUrl, { connectTimeout: 3000 })) as { code: string; message: string };
  assert.equal(dead.code, "ERR_IPC_CONNECT");
  assert.match(dead.message, /^Cannot connect to IPC server at ws:\/\/127\.0\.0\.1:\d+/);
});
