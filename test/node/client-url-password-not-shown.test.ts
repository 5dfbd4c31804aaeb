/**
 * A password in the server's URL (`http://alice:secret@127.0.0.1:9000`) never shows in what
 * `connect()`, `connectMocks()` and later requests reject with. Before, every message named the
 * address password and all ("Cannot connect to IPC server at ws://alice:secret@…", "Not connected
 * to IPC server at ws://alice:secret@…", connectMocks' "The server at http://alice:secret@… does
 * not take mocks"), every runtime's "Invalid URL" quoted it, and a refusal that echoes the
 * request showed the `Authorization: Basic` made of it; on Node a refusal went unread (Node's
 * fetch refuses a URL with credentials), so it rejected ERR_IPC_CONNECT where Bun and Deno said
 * why. test/bun/client-url-password.test.ts and test/deno/client-url-password.test.ts run the
 * same on Bun and Deno.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import test from "node:test";
import { WebSocketServer } from "ws";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { deadPort, rejection, startServer } from "./_helpers.ts";

const PASSWORD = "pa55w0rd-secret";
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString("base64");

function assertHidden(error: Error & { cause?: unknown }, what: string): void {
  const cause = error.cause as Error | undefined;
  for (const text of [error.message, error.stack ?? "", cause?.message ?? "", cause?.stack ?? ""]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(BASIC), `${what}: ${text}`);
  }
}

async function listen(t: { after(fn: () => unknown): void }, server: http.Server | WebSocketServer): Promise<number> {
  if (server instanceof WebSocketServer) await new Promise((resolve) => server.once("listening", resolve));
  else await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    if (server instanceof http.Server) server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

test("connect failures name the address with the password [redacted] (IPCClient and connectMocks)", async (t) => {
  const failing = http.createServer((_request, response) => response.writeHead(500).end("no"));
  const cases = [`http://alice:${PASSWORD}@127.0.0.1:${await deadPort()}`, `http://alice:${PASSWORD}@127.0.0.1:${await listen(t, failing)}`, `ws://alice:${PASSWORD}@127.0.0.1:99999/`];
  for (const url of cases) {
    // One attempt at a time: a second attempt started at once can reject while the test still
    // awaits the first, with nothing listening to it yet (an unhandled rejection fails the file).
    for (const [what, connect] of [["IPCClient", () => new IPCClient(url).connect()], ["connectMocks", () => connectMocks(url)]] as const) {
      const error = await rejection(connect());
      assert.equal(error.code, "ERR_IPC_CONNECT", `${what} ${url}: ${error.message}`);
      assert.match(error.message, /at ws:\/\/alice:\[redacted\]@127\.0\.0\.1:/);
      assertHidden(error, `${what} ${url}`);
    }
  }
});

test("a refusal that echoes the request's credentials does not show them, and is read on Node too", async (t) => {
  const server = http.createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `no entry for ${request.headers.authorization}` }));
  });
  server.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  const port = await listen(t, server);
  const error = await rejection(new IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${port}`).connect());
  assert.equal(error.code, "ERR_IPC_UNAUTHORIZED", error.message);
  assert.match(error.message, /refused the connection: no entry for Basic \[redacted\]$/);
  assertHidden(error, "refusal");
});

test("requests on a closed client and connectMocks to a server without mocks do not show the password", async (t) => {
  const server = await startServer(t);
  const client = new IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${server.getPort()}`);
  await client.connect();
  client.disconnect();
  const closed = await rejection(client.sendFrameworkRequest("some/request" as never, undefined));
  assert.match(closed.message, /alice:\[redacted\]@127\.0\.0\.1/);
  assertHidden(closed, "closed client");

  // A framework server of another kind: it answers every request "No handler for".
  const other = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  const port = await listen(t, other);
  other.on("connection", (socket) => {
    socket.on("message", (raw) => {
      const [type, id, path] = String(raw).split(":");
      if (type === "r") socket.send(`s:${id}:${path}:${JSON.stringify({ success: false, error: `No handler for: ${path}` })}`);
    });
  });
  const error = await rejection(connectMocks(`http://alice:${PASSWORD}@127.0.0.1:${port}`));
  assert.match(error.message, /The server at http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+ does not take mocks/);
  assertHidden(error, "connectMocks");
});
