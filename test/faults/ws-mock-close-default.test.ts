/**
 * A WebSocket mock's `socket.close()` with no code: the client sees 1000 on hubs under Node, Bun
 * and Deno alike (Bun's server socket always sends a code; Node's and Deno's sent none: 1005).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { once } from "node:events";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { onFaultsHubs } from "./_faultsHubs.ts";

onFaultsHubs((runtime) => `a WebSocket mock on a hub under ${runtime}`, (hub) => {
  test("close() with no code reaches the client as 1000, and the handler hears the client's answer", async () => {
    await using mocks = await connectMocks(hub.port);
    let heard: (code: number) => void = () => {};
    const handlerHeard = new Promise<number>((resolve) => (heard = resolve));
    await mocks.interceptWebSocket("/ws/plain-close", (socket) => {
      socket.onClose((code) => heard(code));
      socket.onMessage(() => socket.close());
    });
    const client = new WebSocket(`ws://127.0.0.1:${hub.port}/ws/plain-close`);
    await once(client, "open");
    client.send("close please");
    const [code] = (await once(client, "close")) as [number, Buffer];
    assert.equal(code, 1000);
    assert.equal(await handlerHeard, 1000);
  });
});
