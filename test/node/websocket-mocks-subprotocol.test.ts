/**
 * A WebSocket client that offers subprotocols (graphql-ws's `graphql-transport-ws`, STOMP, MQTT:
 * a browser's `new WebSocket(url, protocols)` and `ws` fail the connection when the server picks
 * none of them) connects to a test's `interceptWebSocket` on a Node, a Bun and a Deno hub (Deno
 * with --allow-net=127.0.0.1 only), and gets the first one it offered; one that offers none gets
 * none. Before, only the Bun hub picked one: on Node and Deno hubs the client failed with
 * "Server sent no subprotocol" and the test could not play such a server at all.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a WebSocket mock's client gets the first subprotocol it offered`, { timeout: 60_000 }, async () => {
    const hub = start(runtime, "test/fixtures/service-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    try {
      const { port } = await hub.nextJson<{ port: number }>(30_000, "hub port");
      const mocks = await connectMocks(port);
      try {
        const offered: Array<string | null> = [];
        await mocks.interceptWebSocket("/graphql", (socket, request) => {
          offered.push(request.headers.get("sec-websocket-protocol"));
          socket.onMessage((data) => socket.send(data));
        });
        const client = new WebSocket(`ws://127.0.0.1:${port}/graphql`, ["graphql-transport-ws", "graphql-ws"]);
        const failed = once(client, "error").then(([error]) => assert.fail(`the client's upgrade failed: ${(error as Error).message}`));
        await Promise.race([once(client, "open"), failed]);
        assert.equal(client.protocol, "graphql-transport-ws");
        client.send('{"type":"connection_init"}');
        const [echo] = await once(client, "message");
        assert.equal(String(echo), '{"type":"connection_init"}');
        client.close();
        await once(client, "close");

        const plain = new WebSocket(`ws://127.0.0.1:${port}/graphql`);
        await once(plain, "open");
        assert.equal(plain.protocol, "");
        plain.close();
        await once(plain, "close");
        assert.equal(offered[0]?.replace(/\s/g, ""), "graphql-transport-ws,graphql-ws");
        assert.equal(offered[1], null);
      } finally {
        await mocks.close();
      }
    } finally {
      assert.deepEqual(await stopHub(hub), []);
    }
  });
}
