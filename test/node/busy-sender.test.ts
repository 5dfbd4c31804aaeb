/**
 * A peer busy sending one long message on a slow link is alive: its bytes keep coming though no
 * whole message does, and its pong (or heartbeat answer) waits behind that message. On Node the
 * hub's heartbeat and IPCClient's both count any bytes received as life. Bun and Deno hubs:
 * test/bun/busy-sender.test.ts, test/deno/busy-sender.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import { IPCClient } from "../../adapters/node.ts";
import { sendSlowly } from "../fixtures/_slowSender.ts";
import { startServer } from "./_helpers.ts";

const KiB = 1024;

test("hub with heartbeat 1: a client sending one message for 4 s (32 KiB every 100 ms, no pong meanwhile) is kept and answered", { timeout: 30_000 }, async (t) => {
  const server = await startServer(t, { heartbeat: 1 });
  const dropped: string[] = [];
  server.onClientDisconnect((id) => dropped.push(id));
  const send = await sendSlowly(server.getPort(), { path: "orders/import", bytes: 40 * 32 * KiB, chunk: 32 * KiB, everyMs: 100 });
  t.after(() => send.destroy());
  assert.equal(await send.outcome, "answered");
  assert.ok(send.pingsDuring() >= 2, `the hub pinged ${send.pingsDuring()} time(s) while the message was under way`);
  assert.deepEqual(dropped, []);
});

test("hub with heartbeat 1: a client that sends nothing and answers no ping is still dropped", { timeout: 30_000 }, async (t) => {
  const server = await startServer(t, { heartbeat: 1 });
  const gone = new Promise<void>((resolve) => server.onClientDisconnect(() => resolve()));
  const socket = net.connect(server.getPort(), "127.0.0.1");
  socket.on("error", () => {});
  t.after(() => socket.destroy());
  socket.write(upgradeRequest(server.getPort()));
  await gone;
});

test("IPCClient (heartbeat 300 ms): a server sending one message for 2 s before answering the heartbeat is kept", { timeout: 30_000 }, async (t) => {
  const server = await slowlySendingServer({ bytes: 20 * 32 * KiB, chunk: 32 * KiB, everyMs: 100 });
  t.after(() => server.close());
  const client = new IPCClient(server.port, { heartbeatInterval: 300, heartbeatTimeout: 300 });
  let closed = false;
  client.onClose(() => void (closed = true));
  await client.connect();
  t.after(() => client.disconnect());
  await server.sent;
  assert.equal(closed, false, "the client kept the connection while the message came");
  assert.ok(server.pingsDuring() >= 2, `the client pinged ${server.pingsDuring()} time(s) while the message was under way`);
  // The queued heartbeat answers went out after the message: the server is answering again.
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(client.isConnected(), true);
});

/**
 * A framework server over plain TCP that, once a client connects, sends it one text message of
 * `bytes` bytes, `chunk` every `everyMs`, and answers the client's heartbeats only after it.
 */
async function slowlySendingServer(options: { bytes: number; chunk: number; everyMs: number }) {
  let pingsDuring = 0;
  let done: () => void = () => {};
  const sent = new Promise<void>((resolve) => (done = resolve));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    let head = "";
    let sending = true;
    const queued: string[] = [];
    const answer = (id: string) => socket.write(textFrame(`s:${id}:__crossipc/ping:{"success":true}`));
    socket.on("data", (chunk: Buffer) => {
      if (!head.includes("\r\n\r\n")) {
        head += chunk.toString("latin1");
        if (!head.includes("\r\n\r\n")) return;
        const key = /sec-websocket-key: (.+)\r\n/i.exec(head)![1]!;
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        sendSlowlyTo(socket, options, () => {
          sending = false;
          for (const id of queued.splice(0)) answer(id);
          done();
        });
        return;
      }
      // The client's frames are small and masked: each heartbeat is `r:<id>:__crossipc/ping:`.
      for (const id of heartbeatIds(chunk)) {
        if (sending) {
          pingsDuring++;
          queued.push(id);
        } else answer(id);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent,
    pingsDuring: () => pingsDuring,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

function sendSlowlyTo(socket: net.Socket, options: { bytes: number; chunk: number; everyMs: number }, onDone: () => void): void {
  const prefix = Buffer.from('m::imports/progress:"');
  const head = Buffer.alloc(10);
  head[0] = 0x81;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(options.bytes), 2);
  socket.write(Buffer.concat([head, prefix]));
  let sent = prefix.length;
  const timer = setInterval(() => {
    const size = Math.min(options.chunk, options.bytes - sent);
    const part = Buffer.alloc(size, 0x78);
    sent += size;
    if (sent === options.bytes) part[size - 1] = 0x22;
    socket.write(part);
    if (sent < options.bytes) return;
    clearInterval(timer);
    onDone();
  }, options.everyMs);
  // A client that dropped the connection ends the sending too (the test then sees it closed).
  socket.once("close", () => {
    clearInterval(timer);
    onDone();
  });
}

/** The request ids of the heartbeats among masked client text frames (each under 126 bytes). */
function heartbeatIds(bytes: Buffer): string[] {
  const ids: string[] = [];
  for (let at = 0; at + 6 <= bytes.length; ) {
    const length = bytes[at + 1]! & 0x7f;
    const mask = bytes.subarray(at + 2, at + 6);
    const payload = Buffer.from(bytes.subarray(at + 6, at + 6 + length).map((byte, i) => byte ^ mask[i % 4]!));
    const ping = /^r:([^:]+):__crossipc\/ping:/.exec(payload.toString());
    if (ping) ids.push(ping[1]!);
    at += 6 + length;
  }
  return ids;
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

function upgradeRequest(port: number): string {
  return `GET /__ggFrameworkConnection HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}
