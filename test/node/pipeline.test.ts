/**
 * The order of a request (../../src/mocks/_pipeline.ts) on a Node hub: what the cross-runtime
 * matrix (test/matrix/pipeline.ts) does not reach — the journal's copy of a proxied body, the
 * fault kinds that refuse an upgrade, a mocked socket under a latency fault's bound, and which
 * service worker scripts the Host check refuses.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { request } from "node:http";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectMocks, type MockWebSocket } from "../../adapters/node.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

test("with the journal recording bodies, a proxied request keeps the client's address (x-forwarded-for) and its body", async (t) => {
  const seen: Array<{ forwardedFor?: string; body: string }> = [];
  const backend = await startBackend(t, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => {
      seen.push({ forwardedFor: req.headers["x-forwarded-for"] as string | undefined, body });
      res.end("ok");
    });
  });
  const server = await startServer(t, { journal: { bodies: true } });
  server.setRouteProxyResolver(() => backend.url);
  const response = await fetch(`${server.getUrl()}/orders`, { method: "POST", body: "héllo ✓" });
  assert.equal(await response.text(), "ok");
  assert.deepEqual(seen, [{ forwardedFor: "127.0.0.1", body: "héllo ✓" }]);
  await waitFor(() => server.journal.entries({ path: "/orders" })[0]?.requestBody === "héllo ✓", "the journal's copy of the body");
});

test("fault kinds that refuse an upgrade: status answers it, reset drops it, timeout never answers; each is journaled with its fault", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let opened = 0;
  await mocks.interceptWebSocket("/live/:name", (socket) => void (opened++, socket.send("hi")));
  const upgrade = (name: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live/${name}`, { handshakeTimeout: 500 });
      ws.on("open", () => (resolve("open"), ws.close()));
      ws.on("unexpected-response", (_req, res) => (resolve(`refused ${res.statusCode}`), res.resume()));
      ws.on("error", (error) => resolve(`error: ${error.message}`));
    });
  const status = server.fault({ path: "/live/status" }, { status: 503 });
  const reset = server.fault({ path: "/live/reset" }, { reset: true });
  const timeout = server.fault({ path: "/live/timeout" }, { timeout: true });
  assert.equal(await upgrade("status"), "refused 503");
  assert.match(await upgrade("reset"), /^error: (socket hang up|read ECONNRESET)/);
  assert.match(await upgrade("timeout"), /^error: Opening handshake has timed out/);
  assert.equal(await upgrade("other"), "open", "an upgrade no fault matches is taken by the rule");
  assert.equal(opened, 1, "the rule never saw a faulted upgrade");
  assert.deepEqual([status.hits, reset.hits, timeout.hits], [1, 1, 1]);
  const entry = (name: string) => server.journal.entries({ kind: "websocket", path: `/live/${name}` })[0];
  assert.deepEqual([entry("status")?.status, entry("status")?.fault], [503, { id: status.id, kind: "status" }]);
  assert.deepEqual(entry("reset")?.fault, { id: reset.id, kind: "reset" });
  assert.equal(entry("other")?.takenBy, "mock");
});

test("a latency fault on a mocked socket holds at most maxBufferedAmount bytes: past it the client and the mock's process hear 1013", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t, { maxBufferedAmount: 64 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const sockets: MockWebSocket[] = [];
  const heard: Array<[number, string]> = [];
  await mocks.interceptWebSocket("/chat", (socket) => {
    sockets.push(socket);
    socket.onClose((code, reason) => heard.push([code, reason]));
  });
  await mocks.fault({ path: "/chat" }, { latency: 60_000 });
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/chat`);
  await once(client, "open");
  const closed = once(client, "close");
  for (let i = 0; i < 200 && client.readyState === WebSocket.OPEN; i++) {
    client.send(`${i}`.padEnd(1024, "."));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const [code, reason] = await closed;
  assert.equal(code, 1013);
  assert.match(String(reason), /too many delayed frames/);
  await waitFor(() => heard.length === 1, "the mock to hear the close");
  assert.equal(heard[0]![0], 1013);
  assert.equal(sockets.length, 1);
});

test("a service worker script is refused where its folder would cover the dashboard, whatever its query says", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(req.url));
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => backend.url);
  const worker = { "service-worker": "script" };
  const status = (path: string, headers?: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      // node:http, not fetch: fetch does not send a `service-worker` header as given.
      const req = request(`${server.getUrl()}${path}`, { headers }, (res) => (resolve(res.statusCode!), res.resume()));
      req.on("error", reject).end();
    });
  for (const path of ["/sw.js", "/sw.js?next=/a/b", "/?x=/", "/__crossipc/x/sw.js", "/__crossipc/sw.js"]) {
    assert.equal(await status(path, worker), 403, path);
  }
  for (const path of ["/app/sw.js", "/app/sw.js?next=/", "/__crossipc-app/sw.js", "/app/"]) {
    assert.equal(await status(path, worker), 200, path);
  }
  assert.equal(await status("/sw.js"), 200, "the same file fetched as a plain script");
});
