/**
 * A socket a WebSocket mock took ends when its rule leaves the hub while the rule's process stays
 * (the scope closed at the end of a test, or `remove()`), on hubs under Node, Bun and Deno: the
 * client and the mock's `onClose` both get 1001. It stayed open, relaying to the closed test's
 * handler until that process ended, so an app that reconnects when its socket closes never met
 * the next test's mock. A socket of another scope, or of a rule that stays, is left alone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { once } from "node:events";
import { WebSocket } from "ws";
import { connectMocks, type MockScope } from "../../adapters/node.ts";
import { onFaultsHubs } from "./_faultsHubs.ts";

/** A client of `scope`'s mock at `path`, with what its mock hears. */
async function mocked(port: number, scope: MockScope, path: string) {
  let heard: (close: [number, string]) => void = () => {};
  const handlerHeard = new Promise<[number, string]>((resolve) => (heard = resolve));
  const rule = await scope.interceptWebSocket(path, (socket) => {
    socket.onClose((code, reason) => heard([code, reason]));
    socket.onMessage((data) => socket.send(`echo ${String(data)}`));
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: scope.headers });
  await once(client, "open");
  client.send("one");
  assert.equal(String((await once(client, "message"))[0]), "echo one");
  const closed = once(client, "close").then(([code, reason]) => [code as number, String(reason)] as const);
  return { rule, client, closed, handlerHeard };
}

onFaultsHubs((runtime) => `a WebSocket mock on a hub under ${runtime}`, (hub) => {
  test("its sockets end with 1001 when its scope closes or it is removed; another scope's socket stays open", { timeout: 15_000 }, async () => {
    await using mocks = await connectMocks(hub.port);
    const ending = mocks.scope();
    const staying = mocks.scope();
    const closedScope = await mocked(hub.port, ending, "/ws/scope-closed");
    const removed = await mocked(hub.port, staying, "/ws/removed");
    const kept = await mocked(hub.port, staying, "/ws/kept");

    await ending.close();
    assert.deepEqual(await closedScope.closed, [1001, "The WebSocket mock was removed"]);
    assert.deepEqual(await closedScope.handlerHeard, [1001, "The WebSocket mock was removed"]);

    await removed.rule.remove();
    assert.deepEqual(await removed.closed, [1001, "The WebSocket mock was removed"]);

    kept.client.send("two");
    assert.equal(String((await once(kept.client, "message"))[0]), "echo two");
    assert.equal(kept.client.readyState, WebSocket.OPEN);
    kept.client.close(1000);
    assert.deepEqual(await kept.closed, [1000, ""]);
  });

  test("a socket its handler takes after the rule left the hub ends with 1001 too", { timeout: 15_000 }, async () => {
    await using mocks = await connectMocks(hub.port);
    const scope = mocks.scope();
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let heard: (close: [number, string]) => void = () => {};
    const handlerHeard = new Promise<[number, string]>((resolve) => (heard = resolve));
    await scope.interceptWebSocket("/ws/late", async (socket) => {
      socket.onClose((code, reason) => heard([code, reason]));
      entered();
      await gate;
    });
    const client = new WebSocket(`ws://127.0.0.1:${hub.port}/ws/late`, { headers: scope.headers });
    client.on("error", () => {});
    const closed = once(client, "close").then(([code, reason]) => [code as number, String(reason)] as const);
    await handlerEntered;
    // The scope closes while the handler is still taking the socket: the hub accepted it after
    // the rule had gone, and it stayed open, relaying to the ended test's handler.
    await scope.close();
    release();
    const late = new Promise<string>((resolve) => setTimeout(() => resolve(`still open (readyState ${client.readyState})`), 5_000));
    assert.deepEqual(await Promise.race([closed, late]), [1001, "The WebSocket mock was removed"]);
    assert.deepEqual(await handlerHeard, [1001, "The WebSocket mock was removed"]);
  });
});
