/**
 * A password in the server's URL (`http://alice:secret@host`) never shows in what `connect()`,
 * `connectMocks()` and later requests reject with, on Bun: the client's messages named the address
 * password and all, Bun's "Invalid url for WebSocket" quoted it, and a refusal that echoes the
 * request showed the `Authorization: Basic` Bun's fetch makes of it
 * (test/node/client-url-password-not-shown.test.ts has the why, on Node).
 */
import { expect, test } from "bun:test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "../fixtures/_freePort.ts";
import { crossipc, startServer } from "./_setup.ts";
import { failure } from "../_rejection.ts";

const PASSWORD = "pa55w0rd-secret";
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString("base64");

function expectHidden(error: Error & { cause?: Error }): void {
  for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BASIC);
  }
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

test("connect failures and refusals name the address with the password [redacted]", async () => {
  const failing = http.createServer((_request, response) => response.writeHead(500).end("no"));
  const refusing = http.createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `no entry for ${request.headers.authorization}` }));
  });
  try {
    const urls = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await listen(failing)}`, "ws://127.0.0.1:99999/"];
    for (const url of urls.map((plain) => plain.replace("//", `//alice:${PASSWORD}@`))) {
      // One attempt at a time: a second attempt started at once can reject while the test still
      // awaits the first, with nothing listening to it yet (an unhandled rejection fails the test).
      for (const connect of [() => new crossipc.IPCClient(url).connect(), () => crossipc.connectMocks(url)]) {
        const error = await failure(connect());
        expect(error.code).toBe("ERR_IPC_CONNECT");
        expect(error.message).toContain("at ws://alice:[redacted]@127.0.0.1:");
        expectHidden(error);
      }
    }
    const refused = await failure(new crossipc.IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${await listen(refusing)}`).connect());
    expect(refused.code).toBe("ERR_IPC_UNAUTHORIZED");
    expect(refused.message).toMatch(/refused the connection: no entry for Basic \[redacted\]$/);
    expectHidden(refused);
  } finally {
    for (const server of [failing, refusing]) {
      server.closeAllConnections();
      server.close();
    }
  }
});

test("a request on a closed client does not show the password", async () => {
  const server = await startServer();
  try {
    const client = new crossipc.IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${server.getPort()}`);
    await client.connect();
    client.disconnect();
    const error = await failure(client.sendFrameworkRequest("some/request" as never, undefined));
    expect(error.message).toContain("alice:[redacted]@127.0.0.1");
    expectHidden(error);
  } finally {
    await server.teardown();
  }
});
