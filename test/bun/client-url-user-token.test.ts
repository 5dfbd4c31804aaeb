/**
 * A user name alone in the server's URL (`http://TOKEN@host`) never shows in what `connect()`,
 * `connectMocks()` and later requests reject with, on Bun, whose WebSocket error quotes the URL it
 * dialled (test/node/client-url-user-token-not-shown.test.ts has the why, on Node).
 */
import { expect, test } from "bun:test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "../fixtures/_freePort.ts";
import { crossipc, startServer } from "./_setup.ts";
import { failure } from "../_rejection.ts";

const TOKEN = "ghp_T0kenAsUserName89";
const BASIC = Buffer.from(`${TOKEN}:`).toString("base64");

function expectHidden(error: Error & { cause?: Error }): void {
  for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC);
  }
}

test("connect failures, a refusal and a closed client's requests name the address with the token [redacted]", async () => {
  const refusing = http.createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `no entry for ${request.headers.authorization}` }));
  });
  const server = await startServer();
  try {
    const url = `http://${TOKEN}@127.0.0.1:${await freePort()}`;
    for (const connect of [() => new crossipc.IPCClient(url).connect(), () => crossipc.connectMocks(url)]) {
      const error = await failure(connect());
      expect(error.code).toBe("ERR_IPC_CONNECT");
      expect(error.message).toContain("at ws://[redacted]@127.0.0.1:");
      expectHidden(error);
    }
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    const refused = await failure(new crossipc.IPCClient(`http://${TOKEN}@127.0.0.1:${(refusing.address() as AddressInfo).port}`).connect());
    expect(refused.code).toBe("ERR_IPC_UNAUTHORIZED");
    expect(refused.message).toMatch(/refused the connection: no entry for Basic \[redacted\]$/);
    expectHidden(refused);

    const client = new crossipc.IPCClient(`http://${TOKEN}@127.0.0.1:${server.getPort()}`);
    await client.connect();
    client.disconnect();
    const closed = await failure(client.sendFrameworkRequest("some/request" as never, undefined));
    expect(closed.message).toContain("ws://[redacted]@127.0.0.1");
    expectHidden(closed);
  } finally {
    refusing.closeAllConnections();
    refusing.close();
    await server.teardown();
  }
});
