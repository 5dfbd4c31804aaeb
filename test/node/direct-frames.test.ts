/**
 * On Node a framework connection's frames are read straight off the `ws` socket once crossws has
 * upgraded it (adapters/_node-frames.ts), small answers are framed there and written to the TCP
 * socket as one buffer, and small answers written in one tick leave in one write
 * (adapters/_node-cork.ts). Every frame must still be handled once, in order, with the framework
 * path's limits, from the very first byte after the upgrade, and arrive as `ws` would have sent it.
 */
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { corkForTick } from "../../adapters/_node-cork.ts";
import { directFramesNode } from "../../adapters/_node-frames.ts";
import { rawSocket, startServer, waitFor } from "./_helpers.ts";
import { frame, pingWithoutReading, rawPeer } from "../fixtures/_rawPeer.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

/** A masked client text frame (payload under 126 bytes). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Unmasked server text frames in `bytes`, as strings (payloads under 126 bytes). */
function serverFrames(bytes: Buffer): string[] {
  const frames: string[] = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const length = bytes[at + 1]! & 0x7f;
    if (at + 2 + length > bytes.length) break;
    frames.push(bytes.subarray(at + 2, at + 2 + length).toString());
    at += 2 + length;
  }
  return frames;
}

test("frames sent in the same packet as the upgrade request are each answered once, in order", async (t) => {
  const server = await startServer(t);
  let handled = 0;
  server.onFrameworkMessage(echo, (x) => (handled++, x));
  const socket = net.connect(server.getPort(), "127.0.0.1");
  t.after(() => socket.destroy());
  await once(socket, "connect");
  const upgrade =
    "GET /__ggFrameworkConnection HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  // The upgrade and the first two requests in one write: they reach the server with the upgrade.
  socket.write(Buffer.concat([Buffer.from(upgrade), clientFrame("r:1:echo:1"), clientFrame("r:2:echo:2")]));
  let received = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const answers = () => {
    const end = received.indexOf("\r\n\r\n");
    return end === -1 ? [] : serverFrames(received.subarray(end + 4));
  };
  await waitFor(() => answers().length >= 2, "the first two answers");
  socket.write(clientFrame("r:3:echo:3"));
  await waitFor(() => answers().length >= 3, "the third answer");
  // Anything answered twice would have arrived by the time a later request is answered.
  socket.write(clientFrame("r:4:echo:4"));
  await waitFor(() => answers().length >= 4, "the fourth answer");
  assert.match(received.toString("latin1"), /^HTTP\/1\.1 101 /);
  assert.deepEqual(answers(), [1, 2, 3, 4].map((n) => `s:${n}:echo:{"success":true,"data":${n}}`));
  assert.equal(handled, 4);
});

test("on the direct path a binary frame is ignored with a warning and an oversized one closes with 1009", async (t) => {
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (message: string) => void warnings.push(message), error() {} };
  // The framework limit sits below the proxy's, so `ws` lets the frame through and crossipc must refuse it.
  const server = await startServer(t, { maxMessageSize: 1024, logger });
  let handled = 0;
  server.onFrameworkMessage(echo, (x) => (handled++, x));
  const raw = await rawSocket(server.getPort());
  raw.send(Buffer.from("r:1:echo:1"));
  raw.send("r:2:echo:2");
  assert.equal(await raw.next(), 's:2:echo:{"success":true,"data":2}');
  assert.ok(warnings.some((w) => /Binary frame ignored/.test(w)), warnings.join("\n"));
  const closed = once(raw.ws, "close");
  raw.send(`r:3:echo:"${"x".repeat(2000)}"`);
  const [code] = await closed;
  assert.equal(code, 1009);
  assert.equal(handled, 1);
  assert.ok(warnings.some((w) => /over the 1024-byte limit/.test(w)), warnings.join("\n"));
});

/** A stand-in for the `ws` socket under a crossws peer: an EventEmitter with `send`, `ws`'s TCP socket and its idle sender. */
function fakePeer() {
  const written: Buffer[] = [];
  const ws = Object.assign(new EventEmitter(), {
    bufferedAmount: 0,
    readyState: 1,
    sent: [] as string[],
    send(frame: string) {
      ws.sent.push(frame);
    },
    terminated: false,
    terminate() {
      ws.terminated = true;
    },
    _socket: { write: (bytes: Buffer) => void written.push(Buffer.from(bytes)) },
    _sender: { _state: 0, _queue: [] as unknown[] },
  });
  return { peer: { _internal: { ws } }, ws, written };
}

test("directFramesNode swaps crossws's message listener for one that hands text and bytes on", async () => {
  const { peer, ws } = fakePeer();
  const alive: unknown[] = [];
  const crossws: unknown[] = [];
  ws.on("message", () => alive.push("alive")); // crossws's heartbeat mark, added before `open`
  const got: Array<string | Uint8Array> = [];
  const writer = directFramesNode(peer, (data) => got.push(data));
  ws.on("message", (data: Buffer) => crossws.push(data)); // crossws's hook listener, added after `open`
  assert.ok(writer);
  await Promise.resolve();
  ws.emit("message", Buffer.from("r:1:echo:1"), false);
  ws.emit("message", Buffer.from([1, 2]), true);
  assert.deepEqual(got, ["r:1:echo:1", Buffer.from([1, 2])]);
  assert.deepEqual(crossws, []);
  assert.deepEqual(alive, ["alive", "alive"]);
});

test("a small answer is written to ws's TCP socket as one unmasked text frame, in one buffer", () => {
  const { peer, ws, written } = fakePeer();
  const writer = directFramesNode(peer, () => {})!;
  // 7-bit, 16-bit length forms, multi-byte UTF-8 (2, 3 and 4 bytes), at the longest text sent this way.
  const texts = ['s:1:echo:{"success":true,"data":1}', `s:2:echo:"${"é€😀".repeat(40)}"`, `s:3:echo:"${"x".repeat(1000)}"`, "s:4:echo:" + "y".repeat(1354)];
  for (const text of texts) writer.send(text);
  assert.deepEqual(ws.sent, [], "nothing went through ws.send");
  assert.equal(written.length, texts.length, "one write per answer");
  for (const [i, text] of texts.entries()) {
    const bytes = Buffer.from(text);
    const header = bytes.length < 126 ? Buffer.from([0x81, bytes.length]) : Buffer.from([0x81, 126, bytes.length >> 8, bytes.length & 0xff]);
    assert.deepEqual(written[i], Buffer.concat([header, bytes]), `answer ${i + 1}`);
  }
  ws.bufferedAmount = 42;
  assert.equal(writer.bufferedAmount, 42, "the unsent bytes are ws's (its socket's buffer counts what was written here)");
  writer.terminate!();
  assert.equal(ws.terminated, true);
});

test("an answer goes through ws.send when ws would not write it at once: long, not open, or its sender holding frames back", () => {
  const cases: Array<[string, (ws: ReturnType<typeof fakePeer>["ws"]) => void, string]> = [
    ["a text past the pooled size", () => {}, "s:1:echo:" + "y".repeat(1355)],
    ["closing", (ws) => (ws.readyState = 2), "s:1:echo:1"],
    ["its sender compressing", (ws) => (ws._sender._state = 1), "s:1:echo:1"],
    ["frames queued in its sender", (ws) => ws._sender._queue.push([]), "s:1:echo:1"],
  ];
  for (const [what, set, text] of cases) {
    const { peer, ws, written } = fakePeer();
    const writer = directFramesNode(peer, () => {})!;
    set(ws);
    writer.send(text);
    assert.deepEqual(ws.sent, [text], what);
    assert.equal(written.length, 0, what);
  }
});

test("answers written straight to the socket reach a ws client whole and in order, between its pongs, at every length form", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (x) => x);
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  const pongs: string[] = [];
  raw.ws.on("pong", (data: Buffer) => pongs.push(data.toString()));
  // Below and past the pooled size (the second through ws.send), 7- and 16-bit lengths, multi-byte text.
  const values = ["a", "é€😀".repeat(100), "x".repeat(1300), "z".repeat(5000), "ü".repeat(70_000)];
  for (const [i, value] of values.entries()) {
    raw.send(`r:${i + 1}:echo:${JSON.stringify(value)}`);
    raw.ws.ping(`ping ${i + 1}`);
  }
  for (const [i, value] of values.entries()) assert.equal(await raw.next(), `s:${i + 1}:echo:${JSON.stringify({ success: true, data: value })}`);
  await waitFor(() => pongs.length === values.length, "every pong");
  assert.deepEqual(pongs, values.map((_, i) => `ping ${i + 1}`));
});

test("directFramesNode leaves crossws's listeners alone when it cannot tell which one is the hook", async () => {
  for (const added of [0, 2]) {
    const { peer, ws } = fakePeer();
    const got: unknown[] = [];
    const crossws: unknown[] = [];
    directFramesNode(peer, (data) => got.push(data));
    for (let i = 0; i < added; i++) ws.on("message", (data: Buffer) => crossws.push(data.toString()));
    await Promise.resolve();
    ws.emit("message", Buffer.from("r:1:echo:1"), false);
    assert.deepEqual(got, [], `${added} listeners added`);
    assert.equal(crossws.length, added);
  }
});

test("corkForTick: the first small frame of a turn of the event loop goes out at once, the rest of the turn leave together", async () => {
  const calls: string[] = [];
  const socket = { destroyed: false, cork: () => calls.push("cork"), uncork: () => calls.push("uncork") };
  const other = { destroyed: false, cork: () => calls.push("cork other"), uncork: () => calls.push("uncork other") };
  const ws = { _socket: socket };
  corkForTick(ws, 100);
  assert.deepEqual(calls, [], "the first frame is not held");
  corkForTick(ws, 100);
  corkForTick(ws, 100);
  corkForTick({ _socket: other }, 100);
  corkForTick({ _internal: { ws: { _socket: other } } }, 100);
  corkForTick(ws, 64 * 1024);
  assert.deepEqual(calls, ["cork", "cork other"], "corked once per socket, large frames never");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ["cork", "cork other", "uncork", "uncork other"]);
  calls.length = 0;
  // A new turn: its first frame goes out at once again.
  corkForTick(ws, 100);
  assert.deepEqual(calls, []);
  corkForTick(ws, 100);
  assert.deepEqual(calls, ["cork"]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ["cork", "uncork"]);
  calls.length = 0;
  corkForTick({ _socket: { ...socket, destroyed: true } }, 100);
  corkForTick({}, 100);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, []);
});

test("a client that pings and never reads is cut off past maxBufferedAmount plus one message, and the server serves on", async (t) => {
  // `ws` answers each ping whatever the client left unread: 96 MiB of pings kept their pongs (376 MB of memory).
  const server = await startServer(t, { maxBufferedAmount: 64 * 1024, maxMessageSize: 64 * 1024 });
  assert.equal(await pingWithoutReading(server.getPort(), "pinger"), "cut");
  server.onFrameworkMessage(echo, (x) => x);
  const peer = await rawPeer(server.getPort(), "after-pings");
  await peer.write(frame(1, "r:1:echo:1"));
  await peer.until(() => peer.texts().length === 1);
  peer.socket.destroy();
});

test("long answers reach a client that stopped reading byte-exact and in order, from two servers in one process", async (t) => {
  // Far more than the loopback socket buffers hold: the kernel takes part of a frame and the socket
  // keeps the rest while later answers are framed; nothing may be lost, reordered or overwritten.
  const servers = [await startServer(t), await startServer(t)];
  const values = Array.from({ length: 120 }, (_, i) => `${i}:${"é€x".repeat(8000 + i)}${String.fromCharCode(0x41 + (i % 26)).repeat(20_000)}`);
  const handled = [0, 0];
  for (const [s, server] of servers.entries()) server.onFrameworkMessage(echo, (x) => (handled[s]!++, x));
  const raws = await Promise.all(servers.map((server) => rawSocket(server.getPort())));
  t.after(() => raws.forEach((raw) => raw.close()));
  const sockets = raws.map((raw) => (raw.ws as unknown as { _socket: net.Socket })._socket);
  sockets.forEach((socket) => socket.pause());
  for (const [i, value] of values.entries()) for (const raw of raws) raw.send(`r:${i + 1}:echo:${JSON.stringify(value)}`);
  await waitFor(() => handled[0] === values.length && handled[1] === values.length, "every request handled");
  await new Promise((resolve) => setTimeout(resolve, 50));
  sockets.forEach((socket) => socket.resume());
  for (const raw of raws) {
    for (const [i, value] of values.entries()) {
      const answer = await raw.next();
      assert.ok(answer === `s:${i + 1}:echo:${JSON.stringify({ success: true, data: value })}`, `answer ${i + 1}: ${answer.slice(0, 40)}… (${answer.length} units)`);
    }
  }
});
