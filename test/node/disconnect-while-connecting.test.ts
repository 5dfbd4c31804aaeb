import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const ping = IPCServer.defineRequest<void, string>("test/ping");

// A user who calls disconnect() while connect() is still opening (a test's teardown racing its
// setup, a follower giving up) expects the client to end disconnected, as the original's
// `ws.close()` on a connecting socket did — not a connection that opens afterwards and is never closed.
test("disconnect() during connect() rejects the connect with Socket teardown and leaves nothing open", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(ping, async () => "pong");
  const connected: string[] = [];
  server.onClientConnect((clientId) => connected.push(clientId));
  const client = new IPCClient(server.getPort());
  const connecting = client.connect("racer");
  client.disconnect();
  await assert.rejects(connecting, (error: Error & { code?: string }) => {
    assert.match(error.message, /^Socket teardown/);
    assert.equal(error.code, "ERR_IPC_CLOSED");
    return true;
  });
  assert.equal(client.isConnected(), false);
  await assert.rejects(client.sendFrameworkRequest(ping, undefined), /Not connected to IPC server/);
  // Give a connection that would have opened anyway the time to reach the server.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(connected, []);

  // The client is usable again afterwards.
  await client.connect("racer");
  t.after(() => client.disconnect());
  assert.equal(await client.sendFrameworkRequest(ping, undefined), "pong");
});
