/**
 * A client that leaves while a Node hub proxies its request: the backend sees its request end,
 * and the journal says the client went away — also when a rule read the body and passed the
 * request on (the hub then forwards a copy of the request, ../../src/server/_requestCopy.ts).
 * The same for a WebSocket upgrade a `timeout` fault holds: let go when its client leaves.
 * Bun and Deno hubs: test/matrix/client-leaves.ts.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import WebSocket from "ws";
import { connectMocks, passthrough } from "../../adapters/node.ts";
import { leaveMidway, startWatchingBackend } from "../fixtures/_watchingBackend.ts";
import { startServer, waitFor } from "./_helpers.ts";

for (const passedOn of [false, true]) {
  const how = passedOn ? "a request a rule read and passed on" : "a request no rule read";
  test(`${how}: a client that leaves before a slow backend answers ends the backend's request, journaled as the client leaving`, async (t) => {
    const backend = await startWatchingBackend();
    t.after(() => backend.close());
    // proxyTimeout far away: only the client's leaving can end the backend's request within the test.
    const server = await startServer(t, { proxyTimeout: 60_000 });
    server.setRouteProxyResolver(() => backend.url);
    let read = "";
    if (passedOn) {
      const mocks = await connectMocks(server.getPort());
      t.after(() => mocks.close());
      await mocks.intercept("POST", "/hang/*", (body) => ((read = String(body)), passthrough()));
    }
    await leaveMidway(server.getUrl(), "/hang/a", backend, false);
    await waitFor(() => backend.closed.has("/hang/a"), "the backend's connection to close");
    if (passedOn) assert.equal(read, "order 42", "the rule read the body");
    await waitFor(() => server.journal.entries({ path: "/hang/a" }).length === 1, "the journal entry");
    const [entry] = server.journal.entries({ path: "/hang/a" });
    assert.equal(entry!.status, 499);
    assert.equal(entry!.takenBy, "proxy");
    assert.match(entry!.error ?? "", /^The client went away before http:\/\/127\.0\.0\.1:\d+\/hang\/a answered$/);
  });

  test(`${how}: a client that leaves during a streamed download ends the backend's response`, async (t) => {
    const backend = await startWatchingBackend();
    t.after(() => backend.close());
    const server = await startServer(t, { proxyTimeout: 60_000 });
    server.setRouteProxyResolver(() => backend.url);
    if (passedOn) {
      const mocks = await connectMocks(server.getPort());
      t.after(() => mocks.close());
      await mocks.intercept("POST", "/stream/*", () => passthrough());
    }
    await leaveMidway(server.getUrl(), "/stream/b", backend, true);
    await waitFor(() => backend.closed.has("/stream/b"), "the backend's connection to close");
    assert.equal(server.journal.entries({ path: "/stream/b" })[0]?.status, 200, "the answer had begun");
  });
}

test("a GET sent on a pooled connection: a client that leaves ends it, and it is not sent again", async (t) => {
  // Answers /ok (its connection goes back to the hub's pool), never /hang; counts arrivals.
  const arrivals = new Map<string, number>();
  const closed = new Set<string>();
  const backend = createServer((req, res) => {
    arrivals.set(req.url!, (arrivals.get(req.url!) ?? 0) + 1);
    req.socket.once("close", () => closed.add(req.url!));
    if (req.url === "/ok") res.end("ok");
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  t.after(() => (backend.closeAllConnections(), backend.close()));
  // proxyTimeout far away: a request sent again would hold the journal entry past the test.
  const server = await startServer(t, { proxyTimeout: 60_000 });
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
  assert.equal(await (await fetch(`${server.getUrl()}/ok`)).text(), "ok");
  const controller = new AbortController();
  fetch(`${server.getUrl()}/hang`, { signal: controller.signal }).catch(() => {});
  await waitFor(() => arrivals.get("/hang") === 1, "the backend to get /hang");
  controller.abort();
  await waitFor(() => closed.has("/hang"), "the backend's connection to close");
  // Node reports the stopped request on a reused connection as "socket hang up" (ECONNRESET),
  // which the hub took for a stale pooled connection and sent the GET again, from nobody.
  await waitFor(() => server.journal.entries({ path: "/hang" }).length === 1, "the journal entry");
  const [entry] = server.journal.entries({ path: "/hang" });
  assert.equal(entry!.status, 499);
  assert.equal(entry!.retried, undefined, "not sent again");
  assert.equal(arrivals.get("/hang"), 1);
});

test("a WebSocket upgrade held by a timeout fault is let go when its client leaves, and nothing is written to it", { timeout: 15_000 }, async (t) => {
  const server = await startServer(t);
  server.setRouteProxyResolver(() => "http://127.0.0.1:9");
  const fault = server.fault({ path: "/held/*" }, { timeout: true });
  // A client that gives up and drops the connection.
  const dropped = new WebSocket(`ws://127.0.0.1:${server.getPort()}/held/dropped`);
  dropped.on("error", () => {});
  await waitFor(() => fault.hits === 1, "the fault to hold the first upgrade");
  dropped.terminate();
  // A client that half-closes its side while it waits: the hub closes the connection without answering.
  const socket = net.connect(server.getPort(), "127.0.0.1");
  let heard = "";
  socket.on("data", (chunk: Buffer) => void (heard += chunk));
  socket.on("error", () => {});
  const closed = once(socket, "close");
  socket.write(`GET /held/half-closed HTTP/1.1\r\nHost: 127.0.0.1:${server.getPort()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await waitFor(() => fault.hits === 2, "the fault to hold the second upgrade");
  socket.end();
  await closed;
  assert.equal(heard, "", "nothing was written to the client that left");
  // Let go: each held upgrade's journal entry is written then (the fault's own bound is 10 minutes).
  await waitFor(() => server.journal.entries({ kind: "websocket", path: "/held/*" }).length === 2, "both held upgrades to be let go");
  for (const entry of server.journal.entries({ kind: "websocket", path: "/held/*" })) assert.equal(entry.fault?.id, fault.id);
});
