/**
 * `disconnect()` ends the connection even when the server never answers the close frame (a hub
 * stopped with SIGSTOP or stuck in a loop, or whatever else holds the port): the client waited
 * for the closing handshake, and the process stayed alive 30 s on Node (`ws`'s close timeout)
 * and about 36 s on Bun (test/bun/client-disconnect-mute-server.test.ts). Now the socket is
 * ended once the server has had `heartbeatTimeout` to answer.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { IPCClient } from "../../adapters/node.ts";
import { muteServer } from "../fixtures/_muteServer.ts";

test("disconnect() ends the connection to a server that never answers its close frame", { timeout: 20_000 }, async (t) => {
  const server = await muteServer();
  t.after(() => server.close());
  const client = new IPCClient(server.port, { heartbeatTimeout: 300 });
  await client.connect("mute");
  const socket = await server.accepted;
  client.disconnect();
  // The client's end of the TCP connection goes: the server sees it close (30 s before).
  await once(socket, "close");
  assert.equal(client.isConnected(), false);
});
