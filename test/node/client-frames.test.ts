/**
 * On Node an IPCClient's small frames are framed and masked by crossipc and written to the TCP
 * socket under its `ws` WebSocket as one buffer (adapters/_node-client-frames.ts), instead of
 * through `ws.send`. Each frame must be a valid masked text frame with a fresh random mask, and
 * `ws.send` must still carry what `ws` would not write at once, or a WebSocket that is not `ws`'s.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { maskedTextFrame, sendTextNodeClient } from "../../adapters/_node-client-frames.ts";
import type { WebSocketConstructor } from "../../src/platform.ts";
import { startServer } from "./_helpers.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

/** The payload of a masked client frame, unmasked, and its mask. */
function readMasked(frame: Buffer): { text: string; mask: Buffer } {
  assert.equal(frame[0], 0x81, "FIN and text");
  assert.ok(frame[1]! & 0x80, "masked");
  const short = frame[1]! & 0x7f;
  const [length, at] = short < 126 ? [short, 2] : short === 126 ? [frame.readUInt16BE(2), 4] : [frame.readUInt32BE(6), 10];
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4));
  assert.equal(payload.length, length, "the length the header says");
  for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
  return { text: payload.toString(), mask: Buffer.from(mask) };
}

test("maskedTextFrame: one masked text frame, at every length form, with a new mask each time", () => {
  const texts = ["", "r:1:echo:1", `r:2:echo:"${"é€😀".repeat(40)}"`, "x".repeat(125), "x".repeat(126), "y".repeat(70_000)];
  const masks = new Set<string>();
  for (const text of texts) {
    const { text: read, mask } = readMasked(maskedTextFrame(text));
    assert.equal(read, text);
    masks.add(mask.toString("hex"));
  }
  for (let i = 0; i < 3000; i++) masks.add(readMasked(maskedTextFrame("r:1:echo:1")).mask.toString("hex"));
  // 3,006 random 32-bit masks (past one refill of the pool): a repeat would be a 1-in-a-thousand chance.
  assert.ok(masks.size >= 3000, `${masks.size} different masks`);
});

test("maskedTextFrame masks four bytes at a time what a byte at a time would: every length near the word path's start (800 bytes), each length form, multi-byte UTF-8", () => {
  const lengths = [...Array.from({ length: 200 }, (_, i) => i), ...Array.from({ length: 12 }, (_, i) => 794 + i), 1000, 4093, 4094, 4095, 4096, 4097, 65_535, 65_536, 65_539, 70_001];
  for (const length of lengths) {
    for (const fill of ["a", "é", "€", "😀"]) {
      const text = fill.repeat(Math.ceil(length / Buffer.byteLength(fill)));
      // Each text twice: the pool's next Buffer starts elsewhere, so the payload meets a word boundary at another phase.
      for (let twice = 0; twice < 2; twice++) assert.equal(readMasked(maskedTextFrame(text)).text, text, `${text.length} × ${fill}`);
    }
  }
});

/** A stand-in for a client `ws` WebSocket: its socket and its idle sender. */
function fakeClient() {
  const written: Buffer[] = [];
  return { written, ws: { readyState: 1, _socket: { write: (bytes: Buffer) => void written.push(Buffer.from(bytes)) }, _sender: { _state: 0, _queue: [] as unknown[] } } };
}

test("sendTextNodeClient writes a small frame itself, and leaves to ws.send what ws would not write at once", () => {
  const { ws, written } = fakeClient();
  assert.equal(sendTextNodeClient(ws, "r:1:echo:1"), true);
  assert.equal(written.length, 1);
  assert.equal(readMasked(written[0]!).text, "r:1:echo:1");
  const cases: Array<[string, unknown, string]> = [
    ["a text past the longest written this way", ws, "r:1:echo:" + "y".repeat(1354)],
    ["closing", { ...ws, readyState: 2 }, "r:1:echo:1"],
    ["its sender compressing", { ...ws, _sender: { _state: 1, _queue: [] } }, "r:1:echo:1"],
    ["frames queued in its sender", { ...ws, _sender: { _state: 0, _queue: [[]] } }, "r:1:echo:1"],
    ["a WebSocket that is not ws's", { readyState: 1, send() {} }, "r:1:echo:1"],
  ];
  for (const [what, target, text] of cases) assert.equal(sendTextNodeClient(target, text), false, what);
  assert.equal(sendTextNodeClient(ws, "r:1:echo:" + "y".repeat(1353)), true, "the longest text written this way");
  assert.equal(written.length, 2, "nothing written for the refused ones");
});

test("an IPCClient's request leaves in one write of one masked frame, not through ws.send, and is answered", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (x) => x);
  let made: WebSocket | undefined;
  // The `ws` package's own client, kept at hand to watch its socket's writes.
  const Spied = function (url: string, protocols?: string | string[], options?: object) {
    made = new WebSocket(url, protocols, options ?? {});
    return made;
  } as unknown as WebSocketConstructor;
  const client = new IPCClient(server.getPort(), { WebSocket: Spied, heartbeatInterval: 0 });
  await client.connect("spied");
  t.after(() => client.disconnect());
  const ws = made as unknown as WebSocket & { _socket: { write(...args: unknown[]): unknown } };
  const writes: Buffer[] = [];
  let sends = 0;
  const write = ws._socket.write.bind(ws._socket);
  ws._socket.write = (...args: unknown[]) => (writes.push(Buffer.from(args[0] as Buffer)), write(...args));
  const send = ws.send.bind(ws);
  ws.send = ((...args: Parameters<WebSocket["send"]>) => (sends++, send(...args))) as WebSocket["send"];
  assert.deepEqual(await client.sendFrameworkRequest(echo, { name: "é€😀", n: 1 }), { name: "é€😀", n: 1 });
  assert.equal(sends, 0, "ws.send was not called");
  assert.equal(writes.length, 1, "one write");
  assert.match(readMasked(writes[0]!).text, /^r:\d+:echo:\{"name":"é€😀","n":1\}$/);
});

test("requests of every size through IPCClient reach a crossipc server whole and in order", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (x) => x);
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect("sizes");
  t.after(() => client.disconnect());
  // Either side of the longest text written directly, 7-, 16- and 64-bit lengths, multi-byte text.
  const values = ["", "a", "é€😀".repeat(100), "x".repeat(785), "x".repeat(790), "z".repeat(5000), "ü".repeat(70_000)];
  const answers = await Promise.all(values.map((value) => client.sendFrameworkRequest(echo, value)));
  assert.deepEqual(answers, values);
});
