/**
 * A WebSocket client that offers subprotocols (graphql-ws's `graphql-transport-ws`, STOMP, MQTT:
 * a browser's `new WebSocket(url, protocols)` and `ws` fail the connection when the server picks
 * none of them) connects to a test's `interceptWebSocket` on a Node, a Bun and a Deno hub (Deno
 * with --allow-net=127.0.0.1 only), and gets the first one it offered; one that offers none gets
 * none. Before, only the Bun hub picked one: on Node and Deno hubs the client failed with
 * "Server sent no subprotocol" and the test could not play such a server at all.
 *
 * With `protocols`, the mock names those it speaks: the client gets the first it offered among
 * them, or none (`[]`), as a server that prefers another or speaks none of them answers. Before,
 * every mock answered the first offer; on a Bun hub, a 101 naming none was not possible at all.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a WebSocket mock's client gets the first subprotocol it offered, or with protocols the first the mock speaks, or none`, { timeout: 60_000 }, async () => {
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

        // A mock that speaks the older of the two: the client gets it.
        await mocks.interceptWebSocket("/legacy", (socket) => socket.onMessage((data) => socket.send(data)), { protocols: ["graphql-ws"] });
        const legacy = new WebSocket(`ws://127.0.0.1:${port}/legacy`, ["graphql-transport-ws", "graphql-ws"]);
        await Promise.race([once(legacy, "open"), once(legacy, "error").then(([error]) => assert.fail(`the client's upgrade failed: ${(error as Error).message}`))]);
        assert.equal(legacy.protocol, "graphql-ws");
        legacy.close();
        await once(legacy, "close");
        // Offers it does not speak, and a mock that speaks none: the 101 names none (a browser's socket, having offered some, fails as `ws` does).
        assert.deepEqual(await protocolHeaders(port, "/legacy", "graphql-transport-ws"), []);
        await mocks.interceptWebSocket("/plain", () => {}, { protocols: [] });
        assert.deepEqual(await protocolHeaders(port, "/plain", "graphql-transport-ws, graphql-ws"), []);
        assert.deepEqual(await protocolHeaders(port, "/legacy", "graphql-transport-ws,graphql-ws"), ["graphql-ws"]);
        // The mock's order does not matter, the client's does: offered `a, b`, a mock of ["b"] answers b, one of ["b", "a"] a.
        await mocks.interceptWebSocket("/b", () => {}, { protocols: ["b"] });
        await mocks.interceptWebSocket("/ba", () => {}, { protocols: ["b", "a"] });
        assert.deepEqual(await protocolHeaders(port, "/b", "a, b"), ["b"]);
        assert.deepEqual(await protocolHeaders(port, "/ba", "a, b"), ["a"]);
        assert.deepEqual(await protocolHeaders(port, "/b", "a"), []);
        for (const bad of [["a b"], [""], ["a,b"], [1], "a", null]) {
          await assert.rejects(mocks.interceptWebSocket("/x", () => {}, { protocols: bad as never }), /protocols must be an array of subprotocol names/, JSON.stringify(bad));
        }
        await assert.rejects(mocks.interceptWebSocket("/x", () => {}, { protocol: ["a"] } as never), /unknown option "protocol" \(protocols\)/);
      } finally {
        await mocks.close();
      }
    } finally {
      assert.deepEqual(await stopHub(hub), []);
    }
  });
}

/** The `sec-websocket-protocol` values of the hub's 101 to an upgrade offering `offer`, read off the wire. */
async function protocolHeaders(port: number, path: string, offer: string): Promise<string[]> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${offer}\r\n\r\n`);
  let head = "";
  for await (const chunk of socket) {
    head += String(chunk);
    if (head.includes("\r\n\r\n")) break;
  }
  socket.destroy();
  const lines = head.split("\r\n\r\n")[0]!.split("\r\n");
  assert.match(lines[0]!, /^HTTP\/1\.1 101 /);
  return lines.filter((line) => /^sec-websocket-protocol:/i.test(line)).map((line) => line.slice(line.indexOf(":") + 1).trim());
}
