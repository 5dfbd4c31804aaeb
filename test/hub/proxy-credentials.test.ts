/**
 * `crossipc hub` (the built CLI) under node, bun and deno proxying to a service registered with
 * `user:password@` in its base URL: the service gets those credentials as `Authorization: Basic`,
 * and a client's own `Authorization` goes through in their place, on every runtime. The Deno hub
 * sent the URL's credentials instead of the client's header (its `fetch` puts them there), where
 * the Node and Bun hubs kept the client's (Node's `http.request` adds the header only when none is set).
 * A proxied WebSocket upgrade to the same service carries them the same way, piped or relayed (a
 * fault on its frames); it sent none before.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: a service URL's credentials reach it as Basic, and a client's own Authorization goes in their place`, async (t) => {
    const service = createServer((request, response) => response.end(JSON.stringify({ url: request.url, authorization: request.headers.authorization ?? null })));
    // The service's WebSocket answers each upgrade with the Authorization it came with.
    const sockets = new WebSocketServer({ server: service });
    sockets.on("connection", (socket, request) => socket.send(JSON.stringify({ url: request.url, authorization: request.headers.authorization ?? null })));
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    t.after(() => service.close());
    const servicePort = (service.address() as AddressInfo).port;

    const { port } = await startJsonHub(t, runtime, [`--allow-net=127.0.0.1`]);

    const client = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=with-credentials`);
    await once(client, "open");
    client.send(`r:1:discovery/register:${JSON.stringify([{ api: "secured", baseUrl: `http://al%C3%AFce:p%40ss@127.0.0.1:${servicePort}`, pathPrefix: "/secured" }])}`);
    await once(client, "message");

    const own = await (await fetch(`http://127.0.0.1:${port}/secured/a`)).json();
    assert.deepEqual(own, { url: "/secured/a", authorization: `Basic ${Buffer.from("al\u00efce:p@ss").toString("base64")}` });
    const clients = await (await fetch(`http://127.0.0.1:${port}/secured/b`, { headers: { authorization: "Bearer the-client's" } })).json();
    assert.deepEqual(clients, { url: "/secured/b", authorization: "Bearer the-client's" });

    assert.deepEqual(await firstMessage(`ws://127.0.0.1:${port}/secured/c`), { url: "/secured/c", authorization: `Basic ${Buffer.from("al\u00efce:p@ss").toString("base64")}` });
    assert.deepEqual(await firstMessage(`ws://127.0.0.1:${port}/secured/d`, { authorization: "Bearer the-client's" }), { url: "/secured/d", authorization: "Bearer the-client's" });
    // A fault on the frames makes the hub relay messages instead of piping bytes: the same rule there.
    const fault = await fetch(`http://127.0.0.1:${port}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match: { path: "/secured/relayed/:n" }, fault: { latency: 1 } }) });
    assert.equal(fault.status, 201, await fault.text());
    assert.deepEqual(await firstMessage(`ws://127.0.0.1:${port}/secured/relayed/1`), { url: "/secured/relayed/1", authorization: `Basic ${Buffer.from("al\u00efce:p@ss").toString("base64")}` });
    assert.deepEqual(await firstMessage(`ws://127.0.0.1:${port}/secured/relayed/2`, { authorization: "Bearer the-client's" }), { url: "/secured/relayed/2", authorization: "Bearer the-client's" });
    client.close();
  });
}

/** The first message a WebSocket at `url` gets, parsed. */
async function firstMessage(url: string, headers?: Record<string, string>): Promise<unknown> {
  const socket = new WebSocket(url, { headers });
  const [data] = await once(socket, "message");
  socket.close();
  return JSON.parse(String(data));
}
