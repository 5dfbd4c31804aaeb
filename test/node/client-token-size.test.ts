/**
 * An access token too large for a request's head: the token goes in the upgrade's URL (`?token=`),
 * and a server reads at most 16 KiB of a head. `connect()` and `connectMocks()` said only
 * "Unexpected server response: 431". Now a URL no server reads is refused before connecting,
 * and a 431 from the server is named as the token's size; neither message shows the token.
 * test/bun/ and test/deno/client-token-size.test.ts: the same from Bun's and Deno's clients.
 */
import assert from "node:assert/strict";
import net from "node:net";
import test from "node:test";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { rejection, startServer } from "./_helpers.ts";

/** Far past any server's head limit (a JWT with many claims, a token read from the wrong file). */
const HUGE = "h".repeat(70_000);
/**
 * Its URL fits in 16 KiB, so the client sends it; the upgrade's head with its other fields does
 * not (nor does the head of a plain GET of that URL), so the server answers 431.
 */
const NEAR = "n".repeat(16_340);

function assertNoToken(error: Error & { cause?: unknown }, token: string): void {
  const cause = error.cause as Error | undefined;
  for (const text of [error.message, error.stack ?? "", cause?.message ?? "", cause?.stack ?? ""]) {
    assert.ok(!text.includes(token.slice(0, 100)), `the token shows in: ${text.slice(0, 300)}`);
  }
}

test("a token no server would read is refused before connecting, naming its size", async (t) => {
  // Counts who connects: nothing should.
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as net.AddressInfo;
  for (const connecting of [new IPCClient(port, { accessToken: HUGE }).connect(), connectMocks(port, { token: HUGE }), new IPCClient(`http://127.0.0.1:${port}/?token=${HUGE}`).connect()]) {
    const error = await rejection(connecting);
    assert.equal(error.code, "ERR_IPC_CONNECT");
    assert.match(error.message, /the upgrade request is too large for the server: the access token is 70000 bytes \(its URL is \d+ bytes; a server reads at most 16384 of a request's head\)/);
    assertNoToken(error, HUGE);
  }
  assert.equal(connections, 0);
});

test("a server's 431 for the upgrade's head is named as the token's size", async (t) => {
  const server = await startServer(t, { accessToken: NEAR });
  for (const connecting of [new IPCClient(server.getPort(), { accessToken: NEAR }).connect(), connectMocks(server.getPort(), { token: NEAR })]) {
    const error = await rejection(connecting);
    assert.equal(error.code, "ERR_IPC_CONNECT");
    assert.match(error.message, /the upgrade request is too large for the server: the access token is 16340 bytes \(the server answered 431\)/);
    assertNoToken(error, NEAR);
  }
});
