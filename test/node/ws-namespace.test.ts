/**
 * crossws keeps a set of peers per namespace and never drops an empty one; its default namespace
 * is the URL's path, so a hub kept one set for every path a WebSocket was ever opened at (found
 * by the soak: one Set, its table and the path per distinct path in a Node hub's heap, never
 * freed). The hubs give crossws `namespaceOf` (adapters/_listen.ts): one namespace for all.
 * Checked through a real hub in Node, Bun and Deno (each adapter wires its own crossws adapter):
 * WebSockets at 40 distinct paths, taken by a mock (`interceptWebSocket`) so that the hub accepts
 * them itself, and the framework connection of that mock, leave one namespace. Before, this
 * drove crossws's Node adapter with `namespaceOf` itself, so dropping `getNamespace` from any
 * hub's adapter failed nothing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: WebSockets opened at 40 distinct paths leave the hub's crossws one namespace, not one per path`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/ws-namespace-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the port");
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    await mocks.interceptWebSocket("/feed/**", (socket) => socket.onMessage((data) => socket.send(data)));
    for (let i = 0; i < 40; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/feed/${i}/x?session=${i}`);
      await once(ws, "open");
      ws.send(`hello ${i}`);
      assert.equal(String((await once(ws, "message"))[0]), `hello ${i}`);
      ws.close();
      await once(ws, "close");
    }
    const { namespaces } = (await (await fetch(`http://127.0.0.1:${port}/__test/namespaces`)).json()) as { namespaces: number };
    assert.equal(namespaces, 1, `${runtime}: crossws holds ${namespaces} namespaces`);
  });
}
