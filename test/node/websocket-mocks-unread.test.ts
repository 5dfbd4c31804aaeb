/**
 * A WebSocket mock whose handler never listens (`onMessage`) keeps a client's frames for a
 * listener to come, but at most one message's worth (the hub's `maxMessageSize`): past it the
 * client is closed with 1013, as one sending to a process that stopped reading is. Before, every
 * frame was kept: a client that floods (any page or process that reaches the hub) grew the test's
 * process without bound (1 GiB sent, 1.25 GiB held, the socket still open). A handler that
 * listens late still gets what came before.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const FRAME = "x".repeat(64 * 1024);

test("a client flooding a mock that never reads is closed with 1013", { timeout: 30_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: 1024 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let mockSaw: number | undefined;
  await mocks.interceptWebSocket("/unread", (socket) => socket.onClose((code) => (mockSaw = code)));

  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/unread`);
  await once(client, "open");
  const closed = once(client, "close") as Promise<[number, Buffer]>;
  // At most 64 MiB, paced by the client's own buffer; the bound is 1 MiB.
  for (let i = 0; i < 1024 && client.readyState === WebSocket.OPEN; i++) {
    client.send(FRAME);
    while (client.bufferedAmount > 1024 * 1024 && client.readyState === WebSocket.OPEN) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const [code, reason] = await closed;
  assert.equal(code, 1013);
  assert.equal(reason.toString(), "The mock reads no messages");
  for (let i = 0; i < 100 && mockSaw === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(mockSaw, 1013, "the mock's onClose hears the close");
});

test("a handler that listens late gets the frames that came before", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let resolve!: (frames: string[]) => void;
  const got = new Promise<string[]>((done) => (resolve = done));
  await mocks.interceptWebSocket("/late", (socket) => {
    // The client's close comes after its frames: only then does the handler listen.
    socket.onClose(() => {
      const frames: string[] = [];
      socket.onMessage((data) => frames.push(String(data)));
      resolve(frames);
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/late`);
  await once(client, "open");
  for (const text of ["a", "b", "c"]) client.send(text);
  client.close();
  assert.deepEqual(await got, ["a", "b", "c"]);
});
