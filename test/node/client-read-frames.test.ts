/**
 * On Node an IPCClient reads the server's usual answers itself (whole, final, unmasked text of up
 * to 1 KiB: adapters/_node-read-frames.ts, the server's reader with the mask bit the other way);
 * every other frame, and whatever follows it in the same read, goes to `ws`'s Receiver until it
 * stands between messages again. Every answer must still be read once and in order, whatever kinds
 * of frames come and wherever reads split them, and what `ws` refuses it must still refuse.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import { test } from "node:test";
import * as ws from "ws";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { FAST_BYTES } from "../../adapters/_node-read-frames.ts";
import { listenOnLoopback, rejection, startServer } from "./_helpers.ts";
import { frame } from "../fixtures/_rawPeer.ts";
import { countReceiverWrites, receiverEvents } from "../fixtures/_wsReceiver.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");
/** A server's frame: never masked. */
const plain = (opcode: number, payload: string | Uint8Array, fin = true) => frame(opcode, payload, { fin, masked: false });

test("an IPCClient reads the usual answers without ws's Receiver, which still takes a long one", async (t) => {
  const receiverWrites = countReceiverWrites(t, "client");
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (x) => x);
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect("usual");
  t.after(() => client.disconnect());
  // 7- and 16-bit lengths, multi-byte text, up to the longest answer read here; then 64 at once.
  const values = ["a", "é€😀".repeat(20), "x".repeat(900), "", "y".repeat(FAST_BYTES - 40)];
  for (const value of values) assert.deepEqual(await client.sendFrameworkRequest(echo, value), value);
  const many = Array.from({ length: 64 }, (_, i) => `n${i}`.repeat(i));
  assert.deepEqual(await Promise.all(many.map((value) => client.sendFrameworkRequest(echo, value))), many);
  assert.equal(receiverWrites(), 0, "no chunk went through ws's Receiver");
  // Past the bound `ws` reads it; the next usual answer skips the Receiver again.
  const long = "z".repeat(5000);
  assert.equal(await client.sendFrameworkRequest(echo, long), long);
  const afterLong = receiverWrites();
  assert.ok(afterLong > 0, "the long answer went to ws");
  assert.equal(await client.sendFrameworkRequest(echo, "short"), "short");
  assert.equal(receiverWrites(), afterLong, "back between messages, the next answer skipped it");
});

/** A framework server on plain `ws` that answers each request with the frames `answer` makes, written in pieces of `step` bytes. */
async function craftingServer(t: { after(fn: () => unknown): void }, answer: (id: string, data: string) => Buffer, step = Infinity): Promise<number> {
  const server = http.createServer();
  const wss = new ws.WebSocketServer({ server, perMessageDeflate: false });
  wss.on("connection", (peer) => {
    // One answer's pieces at a time: the next request can come before the last answer's second copy is written.
    let writing = Promise.resolve();
    peer.on("message", (data: Buffer) => {
      const text = data.toString();
      const [, id] = text.split(":");
      const body = text.slice(text.indexOf(":", text.indexOf(":", 2) + 1) + 1);
      const bytes = answer(id!, body);
      const socket = (peer as unknown as { _socket: { write(b: Buffer): void } })._socket;
      writing = writing.then(async () => {
        for (let at = 0; at < bytes.length; at += step) {
          socket.write(bytes.subarray(at, Math.min(at + step, bytes.length)));
          // Apart, so that the client reads them apart.
          if (step !== Infinity) await new Promise((resolve) => setTimeout(resolve, 2));
        }
      });
    });
  });
  t.after(() => {
    for (const peer of wss.clients) peer.terminate();
    wss.close();
  });
  return listenOnLoopback(t, server);
}

test("answers between pings, in fragments and split across reads each settle their request once, in order", async (t) => {
  const success = (id: string, data: string) => `s:${id}:echo:{"success":true,"data":${data}}`;
  const answer = (id: string, data: string) => {
    const text = success(id, data);
    return Buffer.concat([plain(9, "ping"), plain(1, text.slice(0, 4), false), plain(0, text.slice(4)), plain(9, "again"), plain(1, success(id, data))]);
  };
  for (const step of [Infinity, 1, 5]) {
    const port = await craftingServer(t, answer, step);
    const client = new IPCClient(port, { heartbeatInterval: 0 });
    await client.connect(`crafted-${step}`);
    for (const value of ["a", "é€😀", "x".repeat(300)]) assert.equal(await client.sendFrameworkRequest(echo, value), value, `pieces of ${step}`);
    // The second copy of each answer found nothing pending: ignored, and the next request is answered.
    assert.equal(await client.sendFrameworkRequest(echo, "next"), "next");
    await client.disconnect();
  }
});

test("a masked frame or text that is not UTF-8 from the server still ends the connection, as ws decides it", async (t) => {
  for (const [name, bad] of [
    ["masked", frame(1, `s:1:echo:{"success":true,"data":1}`)],
    ["not UTF-8", plain(1, Buffer.from([0x73, 0x3a, 0xff]))],
  ] as const) {
    const port = await craftingServer(t, () => bad);
    const client = new IPCClient(port, { heartbeatInterval: 0 });
    await client.connect(name);
    const error = await rejection(client.sendFrameworkRequest(echo, 1));
    // `ws` sends its close (1002 / 1007) and cuts the socket: the client sees the connection end (1006).
    assert.equal(error.code, "ERR_IPC_CLOSED", name);
    assert.match(error.message, /Connection closed while request 'echo' was pending/, name);
    await client.disconnect();
  }
});

test("whatever a read holds, the client's reader hands on what ws's own Receiver would: every split of a stream of 0-1,025-byte texts, pings, fragments and binary, and a maxPayload under 1 KiB", async () => {
  // ws's client Receiver is the reference: the same bytes written to one wrapped and one not must
  // give the same messages, pings, close and error (ws's code) in the same order, wherever reads split.
  const lengths = [0, 1, 125, 126, 127, 255, 256, 257, 1023, FAST_BYTES, FAST_BYTES + 1];
  const body = [
    ...lengths.map((length, i) => plain(1, `${i}:`.padEnd(length, String.fromCharCode(97 + i)).slice(0, length))),
    plain(1, "é€😀".repeat(30)),
    plain(9, "ping"),
    plain(1, "a \uFFFD sent as such"),
    plain(1, "frag", false),
    plain(0, "mented"),
    plain(2, Buffer.from([1, 2, 3])),
    plain(1, "last"),
  ];
  // Each ends with what ws refuses (nothing after it is read): text that is not UTF-8 (1007), a masked frame (1002).
  const streams = [Buffer.concat([...body, plain(1, Buffer.from([0x61, 0xff, 0x62]))]), Buffer.concat([...body, frame(1, "masked")])];
  const heard = (stream: Buffer, maxPayload: number, reads: number[], wrapped: boolean) => receiverEvents("client", stream, maxPayload, reads, wrapped);
  for (const [stream, maxPayload, error] of [
    [streams[0]!, 0, "WS_ERR_INVALID_UTF8"],
    [streams[1]!, 0, "WS_ERR_UNEXPECTED_MASK"],
    [streams[0]!, 300, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"],
  ] as const) {
    const expected = await heard(stream, maxPayload, [], false);
    assert.ok(expected.length >= (maxPayload ? 7 : lengths.length + 6), `${error}: ${expected.length} events`);
    assert.equal(expected.at(-1), `error ${error}`);
    for (let split = 0; split <= stream.length; split++) {
      const got = await heard(stream, maxPayload, [split], true);
      if (JSON.stringify(got) !== JSON.stringify(expected)) assert.deepEqual(got, expected, `${error}, reads split at ${split}`);
    }
    assert.deepEqual(await heard(stream, maxPayload, Array.from({ length: stream.length }, (_, i) => i), true), expected, `${error}, a byte per read`);
  }
});
