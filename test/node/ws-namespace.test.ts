/**
 * crossws keeps a set of peers per namespace and never drops an empty one; its default namespace
 * is the URL's path, so a hub kept one set for every path a WebSocket was ever opened at (found
 * by the soak: one Set, its table and the path per distinct path in a Node hub's heap, never
 * freed). The hubs give crossws `namespaceOf` (adapters/_listen.ts; Bun, Deno and Node alike):
 * one namespace for all. Here through crossws's own Node adapter and real WebSockets.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import test from "node:test";
import nodeAdapter from "crossws/adapters/node";
import { WebSocket } from "ws";
import { namespaceOf } from "../../adapters/_listen.ts";

test("WebSockets opened at 40 distinct paths and closed leave crossws one namespace, not one per path", async (t) => {
  const adapter = nodeAdapter({ hooks: { message: (peer, message) => void peer.send(message.text()) }, getNamespace: namespaceOf });
  const server = http.createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => void adapter.handleUpgrade(req, socket, head));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    adapter.closeAll();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  for (let i = 0; i < 40; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/feed/${i}/x?session=${i}`);
    await once(ws, "open");
    ws.send(`hello ${i}`);
    assert.equal(String((await once(ws, "message"))[0]), `hello ${i}`);
    ws.close();
    await once(ws, "close");
  }
  assert.equal(adapter.peers.size, 1);
  assert.deepEqual([...adapter.peers.values()].map((peers) => peers.size), [0]);
});
