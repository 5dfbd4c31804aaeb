/**
 * A user name alone in the server's URL is a token (`http://TOKEN@host`, as GitHub and others
 * take one): it never shows in what `connect()`, `connectMocks()` and later requests reject with.
 * A password was hidden (client-url-password-not-shown.test.ts), but such a token was named with
 * the address ("Cannot connect to IPC server at ws://TOKEN@…"), and a refusal that echoes the
 * request showed the `Authorization: Basic` made of it (`TOKEN:`).
 * test/bun/client-url-user-token.test.ts runs the same on Bun.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import test from "node:test";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { deadPort, rejection, startServer } from "./_helpers.ts";

const TOKEN = "ghp_T0kenAsUserName89";
const BASIC = Buffer.from(`${TOKEN}:`).toString("base64");

function assertHidden(error: Error & { cause?: unknown }, what: string): void {
  const cause = error.cause as Error | undefined;
  for (const text of [error.message, error.stack ?? "", cause?.message ?? "", cause?.stack ?? ""]) {
    assert.ok(!text.includes(TOKEN) && !text.includes(BASIC), `${what}: ${text}`);
  }
}

async function listen(t: { after(fn: () => unknown): void }, server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

test("connect failures, a refusal and a closed client's requests name the address with the token [redacted]", async (t) => {
  const url = `http://${TOKEN}@127.0.0.1:${await deadPort()}`;
  for (const [what, connect] of [["IPCClient", () => new IPCClient(url).connect()], ["connectMocks", () => connectMocks(url)]] as const) {
    const error = await rejection(connect());
    assert.equal(error.code, "ERR_IPC_CONNECT", `${what}: ${error.message}`);
    assert.match(error.message, /at ws:\/\/\[redacted\]@127\.0\.0\.1:/);
    assertHidden(error, what);
  }

  const refusing = http.createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `no entry for ${request.headers.authorization}` }));
  });
  refusing.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  const refused = await rejection(new IPCClient(`http://${TOKEN}@127.0.0.1:${await listen(t, refusing)}`).connect());
  assert.equal(refused.code, "ERR_IPC_UNAUTHORIZED", refused.message);
  assert.match(refused.message, /refused the connection: no entry for Basic \[redacted\]$/);
  assertHidden(refused, "refusal");

  const server = await startServer(t);
  const client = new IPCClient(`http://${TOKEN}@127.0.0.1:${server.getPort()}`);
  await client.connect();
  client.disconnect();
  const closed = await rejection(client.sendFrameworkRequest("some/request" as never, undefined));
  assert.match(closed.message, /ws:\/\/\[redacted\]@127\.0\.0\.1/);
  assertHidden(closed, "closed client");
});
