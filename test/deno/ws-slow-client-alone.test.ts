/**
 * On `Deno.serve` alone (`resettableConnections: false`) a proxied WebSocket's client that does
 * not read is closed with 1013 once `maxBufferedAmount` is queued for it, and its backend with
 * 1000 and the reason, all Deno's client WebSocket may send (README, `maxBufferedAmount`). Deno's sockets cannot be cut, so it gets a close frame
 * behind the queue; that frame said 1008 "Slow consumer", a framework client's code, because the
 * fallback of `dropPeer` (src/server/_clients.ts) had one code for every caller. A WebSocket
 * mock's client that does not read is cut off the same way (README, `interceptWebSocket`): its
 * close frame said 1008 too, while the mock's `onClose` saw 1013.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import { handshake } from "../fixtures/_silentPeer.ts";
import { crossipc, Deno, startServer } from "./_deno.ts";

const CHUNK = "x".repeat(1024 * 1024);
/** 64 MiB: far past the 256 KiB the hub may hold, and more than the kernel's socket buffers take. */
const CHUNKS = 64;

/** A raw client that reads the handshake, then nothing until `resume`; then the close frame's code and reason. */
function pausedClient(port: number, path: string) {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.once("data", () => socket.pause());
  socket.write(handshake(port, path, {}));
  return {
    async closeFrame(): Promise<string> {
      socket.resume();
      const deadline = Date.now() + 20_000;
      for (;;) {
        const close = closeFrameOf(Buffer.concat(chunks));
        if (close !== undefined || Date.now() > deadline) {
          socket.destroy();
          await closed;
          return close ?? "no close frame in 20 s";
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** The server's close frame after the 101's head, as `code reason`, once all of it came. */
function closeFrameOf(raw: Buffer): string | undefined {
  let at = raw.indexOf("\r\n\r\n");
  if (at === -1) return undefined;
  at += 4;
  while (raw.length - at >= 2) {
    const len7 = raw[at + 1]! & 0x7f;
    const headerBytes = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
    if (raw.length - at < headerBytes) return undefined;
    const length = len7 === 126 ? raw.readUInt16BE(at + 2) : len7 === 127 ? Number(raw.readBigUInt64BE(at + 2)) : len7;
    if (raw.length - at < headerBytes + length) return undefined;
    if ((raw[at]! & 0x0f) === 8) return `${raw.readUInt16BE(at + headerBytes)} ${raw.subarray(at + headerBytes + 2, at + headerBytes + length).toString()}`;
    at += headerBytes + length;
  }
  return undefined;
}

Deno.test("on Deno.serve alone: a proxied WebSocket's client that does not read hears 1013, its backend 1000", async () => {
  let backendClosed!: (code: number) => void;
  const backendCode = new Promise<number>((resolve) => (backendClosed = resolve));
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onclose = (event) => backendClosed(event.code);
    socket.onerror = () => {};
    // All at once: Deno's WebSocket queues what it cannot write yet.
    socket.onopen = () => {
      for (let i = 0; i < CHUNKS; i++) socket.send(CHUNK);
    };
    return response;
  });
  const server = await startServer({ resettableConnections: false, maxBufferedAmount: 256 * 1024 });
  server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.addr.port}`);
  const client = pausedClient(server.getPort(), "/feed");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const backendOutcome = await Promise.race([backendCode, new Promise((resolve) => (timer = setTimeout(resolve, 20_000, "backend still open 20 s later")))]);
  clearTimeout(timer);
  // Deno's client WebSocket sends only 1000 or 3000–4999, so the backend hears 1000 (test/matrix/pipeline.ts).
  assert.equal(backendOutcome, 1000);
  assert.equal(await client.closeFrame(), "1013 Client not reading: too much unread data");
  await server.teardown();
  await backend.shutdown();
});

Deno.test("on Deno.serve alone: a WebSocket mock's client that does not read hears 1013, as the mock's onClose", async () => {
  const server = await startServer({ resettableConnections: false, maxBufferedAmount: 256 * 1024 });
  const mocks = await crossipc.connectMocks(server.getPort());
  let mockClosed!: (close: string) => void;
  const mockClose = new Promise<string>((resolve) => (mockClosed = resolve));
  await mocks.interceptWebSocket("/feed", (socket) => {
    socket.onClose((code, reason) => mockClosed(`${code} ${reason}`));
    // Once the client's socket is open (before it, the hub holds the frames and closes with 1013 itself).
    setTimeout(() => {
      for (let i = 0; i < CHUNKS; i++) socket.send(CHUNK);
    }, 300);
  });
  const client = pausedClient(server.getPort(), "/feed");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const mockOutcome = await Promise.race([mockClose, new Promise((resolve) => (timer = setTimeout(resolve, 20_000, "mock still open 20 s later")))]);
  clearTimeout(timer);
  assert.equal(mockOutcome, "1013 Client not reading: too much unread data");
  // The close frame waits behind what the client has not read; it said 1008 "Slow consumer", a framework client's.
  assert.equal(await client.closeFrame(), "1013 Client not reading: too much unread data");
  await mocks.close();
  await server.teardown();
});
