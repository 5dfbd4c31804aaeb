/**
 * The access token never shows in what `connect()` and `connectMocks()` reject with: runtimes
 * quote the URL they dialled (`?token=` in it) in their errors, and whatever answers on the port
 * may echo the request in its refusal. Before, the token was in the message, the cause and the
 * stack ("Invalid URL: ws://127.0.0.1:99999/__ggFrameworkConnection?token=T" on every runtime,
 * "WebSocket connection to '…?token=T' failed" on Bun for any failed connect, which
 * test/bun/client-token-in-errors.test.ts covers), and a refusal with an endless body was read
 * whole for 2 s (300–540 MiB).
 */
import assert from "node:assert/strict";
import http from "node:http";
import test from "node:test";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { listenOnLoopback, rejection } from "./_helpers.ts";

const TOKEN = "tok+en/with=sp ce-0123456789";
const ENCODED = new URLSearchParams({ token: TOKEN }).toString().slice("token=".length);

function assertNoToken(error: Error & { cause?: unknown }, what: string): void {
  const cause = error.cause as Error | undefined;
  for (const text of [error.message, error.stack ?? "", cause?.message ?? "", cause?.stack ?? ""]) {
    assert.ok(!text.includes(TOKEN) && !text.includes(ENCODED), `${what}: ${text}`);
  }
}

test("an invalid URL's error does not quote the token (IPCClient and connectMocks)", async () => {
  for (const options of [{}, { accessToken: TOKEN }]) {
    const url = `http://127.0.0.1:99999/?token=${encodeURIComponent(TOKEN)}`;
    const error = await rejection(new IPCClient(url, options).connect());
    assert.equal(error.code, "ERR_IPC_CONNECT");
    assert.match(error.message, /token=\[redacted\]/);
    assertNoToken(error, "IPCClient");
    assertNoToken(await rejection(connectMocks(url, options)), "connectMocks");
  }
});

test("a refusal that echoes the request does not show the token", async (t) => {
  const server = http.createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `no entry for ${request.url} (${decodeURIComponent(request.url!)})` }));
  });
  server.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  const port = await listenOnLoopback(t, server);
  const error = await rejection(new IPCClient(port, { accessToken: TOKEN }).connect());
  assert.equal(error.code, "ERR_IPC_UNAUTHORIZED");
  assert.match(error.message, /no entry for \/__ggFrameworkConnection\?token=\[redacted\] \(/);
  assertNoToken(error, "refusal");
});

test("a refusal with an endless body is read no further than a few KiB", async (t) => {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, "a");
  const server = http.createServer((_request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.write('{"error":"');
    let open = true;
    response.on("close", () => (open = false));
    const pump = () => {
      while (open && written < 2 ** 30 && response.write(chunk)) written += chunk.length;
      if (open) response.once("drain", pump);
    };
    pump();
  });
  server.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  const port = await listenOnLoopback(t, server);
  const error = await rejection(new IPCClient(port, { accessToken: TOKEN }).connect());
  assert.equal(error.code, "ERR_IPC_UNAUTHORIZED");
  assert.match(error.message, /refused the connection: HTTP 401$/);
  // What the server got into the socket: the client's read plus the kernel's buffers, not the
  // hundreds of MiB a reader that keeps reading for 2 s takes.
  assert.ok(written < 32 * 2 ** 20, `the server wrote ${written} bytes`);
});
