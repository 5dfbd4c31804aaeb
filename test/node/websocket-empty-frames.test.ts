/**
 * Empty WebSocket frames against the bounds on frames held in memory (../../src/_heldFrame.ts).
 * Those bounds counted a frame's payload alone, so an empty one was free: a client (any page or
 * process that reaches the hub) sending empty frames to a mock whose handler had not listened
 * grew the test's process without bound, and one sending them through a latency fault grew the
 * hub, its socket open all along. Each frame now counts for holding it too: the same 1013 a
 * flood of full frames gets.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

/**
 * Empty binary frames until the hub closes the socket, at most `cap` (a bound with room to spare
 * for one of 64 KiB at any frame cost); then the client closes it itself (1000), which is what
 * a socket the bound never caught ends with. Sent a thousand at a time, letting the hub and this
 * process (the mock's) read them in between.
 */
async function floodEmpty(url: string, cap = 200_000): Promise<{ code: number; reason: string; sent: number }> {
  const client = new WebSocket(url);
  await once(client, "open");
  const closed = once(client, "close") as Promise<[number, Buffer]>;
  const empty = Buffer.alloc(0);
  let sent = 0;
  while (sent < cap && client.readyState === WebSocket.OPEN) {
    for (let i = 0; i < 1000; i++) client.send(empty);
    sent += 1000;
    while (client.bufferedAmount > 0 && client.readyState === WebSocket.OPEN) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (client.readyState === WebSocket.OPEN) client.close(1000, "sent them all");
  const [code, reason] = await closed;
  return { code, reason: reason.toString(), sent };
}

test("empty frames to a mock that never listens count against what it keeps: the client is closed with 1013", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: 64 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.interceptWebSocket("/unread", () => {});
  const { code, reason, sent } = await floodEmpty(`ws://127.0.0.1:${server.getPort()}/unread`);
  assert.deepEqual({ code, reason }, { code: 1013, reason: "The mock reads no messages" }, `after ${sent} empty frames`);
});

test("empty frames through a latency fault count against what the hub delays: both ends hear 1013", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxBufferedAmount: 64 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.interceptWebSocket("/chat", (socket) => socket.onMessage(() => {}));
  await mocks.fault({ path: "/chat" }, { latency: 60_000 });
  const { code, reason, sent } = await floodEmpty(`ws://127.0.0.1:${server.getPort()}/chat`);
  assert.equal(code, 1013, `after ${sent} empty frames: ${code} ${reason}`);
  assert.match(reason, /too many delayed frames/);
});
