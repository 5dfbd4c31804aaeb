/**
 * `disconnect()` ends the connection on Bun even when the server never answers the close frame:
 * Bun's WebSocket waited about 36 s for it, keeping the process alive (why, and Node's case:
 * test/node/client-disconnect-mute-server.test.ts).
 */
import { expect, test } from "bun:test";
import { muteServer } from "../fixtures/_muteServer.ts";
import { crossipc } from "./_setup.ts";

test("disconnect() ends the connection to a server that never answers its close frame", async () => {
  const server = await muteServer();
  try {
    const client = new crossipc.IPCClient(server.port, { heartbeatTimeout: 300 });
    await client.connect("mute");
    const socket = await server.accepted;
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    client.disconnect();
    await closed;
    expect(client.isConnected()).toBe(false);
  } finally {
    server.close();
  }
}, 20_000);
