/**
 * On `Deno.serve` alone (`resettableConnections: false`) a WebSocket mock's client that does not
 * read is closed with 1013 once `maxBufferedAmount` is queued for it, as the mock's `onClose` hears
 * (README, "A client that does not read what the mock sends"), and as a proxied socket's client is
 * (ws-slow-client-alone.test.ts). Deno's sockets cannot be cut, so it gets a close frame behind the
 * queue; that frame said 1008 "Slow consumer", `dropPeer`'s default, a framework client's code.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import { frame } from "../fixtures/_rawPeer.ts";
import { handshake } from "../fixtures/_silentPeer.ts";
import { crossipc, Deno, startServer } from "./_deno.ts";

const FRAME = "x".repeat(64 * 1024);
/** 64 MiB: far past the 256 KiB the hub may hold, and more than the kernel's socket buffers take. */
const FRAMES = 1024;

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

Deno.test("on Deno.serve alone: a WebSocket mock's client that does not read hears 1013, as the mock", async () => {
  const server = await startServer({ resettableConnections: false, maxBufferedAmount: 256 * 1024 });
  const mocks = await crossipc.connectMocks(server.getUrl(), { runtimeId: "deno-slow-client" });
  let mockClosed!: (outcome: string) => void;
  const mockOutcome = new Promise<string>((resolve) => (mockClosed = resolve));
  await mocks.interceptWebSocket("/feed", (socket) => {
    let sent = 0;
    let closed = false;
    socket.onClose((code) => {
      closed = true;
      mockClosed(`closed ${code}`);
    });
    const pump = () => {
      if (closed) return;
      if (sent === FRAMES) return mockClosed("sent everything");
      for (let i = 0; i < 16 && sent < FRAMES; i++, sent++) socket.send(FRAME);
      setTimeout(pump, 1);
    };
    // Once the client is attached (its first message): frames sent before are held by the hub instead.
    socket.onMessage(() => pump());
  });
  const port = server.getPort();
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const chunks: Buffer[] = [];
  const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // It reads the handshake's first bytes, then nothing until the mock heard the close.
  socket.once("data", () => {
    socket.pause();
    socket.write(frame(1, "go"));
  });
  socket.write(handshake(port, "/feed", {}));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([mockOutcome, new Promise((resolve) => (timer = setTimeout(resolve, 20_000, "mock still open 20 s later")))]);
  clearTimeout(timer);
  assert.equal(outcome, "closed 1013");
  socket.resume();
  const deadline = Date.now() + 20_000;
  let close: string | undefined;
  while ((close = closeFrameOf(Buffer.concat(chunks))) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  await gone;
  assert.equal(close ?? "no close frame in 20 s", "1013 Client not reading: too much unread data");
  await mocks.close();
  await server.teardown();
});
