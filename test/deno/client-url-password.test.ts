/**
 * A password in the server's URL (`http://alice:secret@host`) never shows in what `connect()`,
 * `connectMocks()` and later requests reject with, on Deno: the client's messages named the
 * address password and all, Deno's "Invalid URL" quoted it, and a refusal that echoes the request
 * showed the `Authorization: Basic` Deno's fetch makes of it
 * (test/node/client-url-password-not-shown.test.ts has the why, on Node).
 */
import assert from "node:assert/strict";
import { crossipc, Deno, startServer } from "./_deno.ts";
import { failure } from "../_rejection.ts";

const PASSWORD = "pa55w0rd-secret";
const BASIC = btoa(`alice:${PASSWORD}`);

function assertHidden(error: Error & { cause?: Error }, what: string): void {
  for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(BASIC), `${what}: ${text}`);
  }
}

/** A port nothing listens on: a server's, once it has shut down. */
async function deadPort(): Promise<number> {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response());
  const port = server.addr.port;
  await server.shutdown();
  return port;
}

Deno.test("connect failures and refusals name the address with the password [redacted]", async () => {
  const failing = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response("no", { status: 500 }));
  const refusing = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) =>
    Response.json({ error: `no entry for ${request.headers.get("authorization")}` }, { status: 401 }),
  );
  try {
    const urls = [`http://127.0.0.1:${await deadPort()}`, `http://127.0.0.1:${failing.addr.port}`, "ws://127.0.0.1:99999/"];
    for (const url of urls.map((plain) => plain.replace("//", `//alice:${PASSWORD}@`))) {
      // One attempt at a time: a second attempt started at once can reject while the test still
      // awaits the first, with nothing listening to it yet (an unhandled rejection fails the test).
      for (const [what, connect] of [["IPCClient", () => new crossipc.IPCClient(url).connect()], ["connectMocks", () => crossipc.connectMocks(url)]] as const) {
        const error = await failure(connect());
        assert.equal(error.code, "ERR_IPC_CONNECT", `${what} ${url}: ${error.message}`);
        assert.match(error.message, /at ws:\/\/alice:\[redacted\]@127\.0\.0\.1:/);
        assertHidden(error, `${what} ${url}`);
      }
    }
    const refused = await failure(new crossipc.IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${refusing.addr.port}`).connect());
    assert.equal(refused.code, "ERR_IPC_UNAUTHORIZED", refused.message);
    assert.match(refused.message, /refused the connection: no entry for Basic \[redacted\]$/);
    assertHidden(refused, "refusal");
  } finally {
    await Promise.all([failing.shutdown(), refusing.shutdown()]);
  }
});

Deno.test("a request on a closed client does not show the password", async () => {
  const server = await startServer();
  try {
    const client = new crossipc.IPCClient(`http://alice:${PASSWORD}@127.0.0.1:${server.getPort()}`);
    await client.connect();
    client.disconnect();
    const error = await failure(client.sendFrameworkRequest("some/request" as never, undefined));
    assert.match(error.message, /alice:\[redacted\]@127\.0\.0\.1/);
    assertHidden(error, "closed client");
  } finally {
    await server.teardown();
  }
});
