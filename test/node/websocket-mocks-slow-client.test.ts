/**
 * A WebSocket mock that sends to a client that never reads: the hub closes the client at
 * `maxBufferedAmount` (as its WebSocket proxy does) and the mock sees 1013, instead of holding
 * whatever the mock sends (a Node hub passed 450 MiB for one such client).
 */
import assert from "node:assert/strict";
import net from "node:net";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const FRAME = "x".repeat(64 * 1024);
/** 64 MiB: far past the 1 MiB the hub may hold for the client, and more than the kernel's socket buffers take. */
const FRAMES = 1024;

test("a WebSocket mock flooding a client that never reads: the client is cut off at maxBufferedAmount, the mock sees 1013", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxBufferedAmount: 1024 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let sent = 0;
  let resolve!: (outcome: string) => void;
  const outcome = new Promise<string>((settle) => (resolve = settle));
  await mocks.interceptWebSocket("/feed", (socket) => {
    let closed = false;
    socket.onClose((code) => {
      closed = true;
      resolve(`closed ${code}`);
    });
    const pump = () => {
      if (closed) return;
      if (sent === FRAMES) return resolve("sent everything");
      for (let i = 0; i < 16 && sent < FRAMES; i++, sent++) socket.send(FRAME);
      setTimeout(pump, 1);
    };
    pump();
  });
  const client = net.connect(server.getPort(), "127.0.0.1");
  t.after(() => client.destroy());
  client.write(
    `GET /feed HTTP/1.1\r\nHost: 127.0.0.1:${server.getPort()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  // It reads the handshake's first bytes, then nothing more.
  client.once("data", () => client.pause());
  assert.equal(await outcome, "closed 1013");
  assert.ok(sent < FRAMES);
  assert.equal((await fetch(`${server.getUrl()}/other`)).status, 404);
});
