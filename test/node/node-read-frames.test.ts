/**
 * On Node a framework connection's usual frames (whole, final, masked text of up to 1 KiB) are read
 * by crossipc (adapters/_node-read-frames.ts); every other frame, and whatever follows it in the
 * same read, goes to `ws`'s Receiver, until it stands between messages again. Every message must
 * still be handed on once and in order, whatever kinds of frames come and wherever reads split them.
 * What the Receiver closes on is test/node/client-frame-errors.test.ts.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { FAST_BYTES } from "../../adapters/_node-read-frames.ts";
import { startServer } from "./_helpers.ts";
import { frame, rawPeer } from "../fixtures/_rawPeer.ts";
import { countReceiverWrites, receiverEvents } from "../fixtures/_wsReceiver.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");
const request = (n: number, value: string = String(n)) => `r:${n}:echo:${JSON.stringify(value)}`;
const answer = (n: number, value: string = String(n)) => `s:${n}:echo:${JSON.stringify({ success: true, data: value })}`;

/** A masked text frame of `text` with its length in the 16-bit form, whatever it is (as `ws` accepts). */
function sixteenBitFrame(text: string): Buffer {
  const long = frame(1, "x".repeat(200));
  const payload = frame(1, text);
  const length = Buffer.byteLength(text);
  // Header of the long one (16-bit form, same mask), the length put right, then the masked payload.
  const head = Buffer.from(long.subarray(0, 8));
  head.writeUInt16BE(length, 2);
  return Buffer.concat([head, payload.subarray(payload.length - length)]);
}

test("the usual requests are read without ws's Receiver, which still takes a ping and its pong", async (t) => {
  const receiverWrites = countReceiverWrites(t, "server");
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (x) => x);
  const peer = await rawPeer(server.getPort(), "usual");
  t.after(() => peer.socket.destroy());
  // One per write, then 64 in one write, then 16 in one write; 7- and 16-bit lengths, multi-byte text, up to the longest read here.
  const values = ["a", "é€😀".repeat(20), "x".repeat(1000), "y".repeat(FAST_BYTES - request(4, "").length), ""];
  for (const [i, value] of values.entries()) {
    peer.socket.write(frame(1, request(i + 1, value)));
    await peer.until(() => peer.texts().length === i + 1);
  }
  peer.socket.write(Buffer.concat(Array.from({ length: 64 }, (_, i) => frame(1, request(100 + i)))));
  // Lengths one apart, so that payloads start at every offset from a 4-byte boundary (unmasked a word at a time from 256 B).
  const odd = Array.from({ length: 16 }, (_, i) => "w".repeat(290 + i));
  peer.socket.write(Buffer.concat(odd.map((value, i) => frame(1, request(300 + i, value)))));
  await peer.until(() => peer.texts().length === values.length + 64 + odd.length);
  assert.deepEqual(peer.texts(), [
    ...values.map((value, i) => answer(i + 1, value)),
    ...Array.from({ length: 64 }, (_, i) => answer(100 + i)),
    ...odd.map((value, i) => answer(300 + i, value)),
  ]);
  assert.equal(receiverWrites(), 0, "no chunk went through ws's Receiver");
  peer.socket.write(frame(9, "are you there"));
  await peer.until((all) => all.some((f) => f.opcode === 10));
  assert.equal(peer.frames.find((f) => f.opcode === 10)!.payload.toString(), "are you there");
  const afterPing = receiverWrites();
  assert.ok(afterPing > 0, "the ping went to ws");
  peer.socket.write(frame(1, request(200)));
  await peer.until(() => peer.texts().length === values.length + 64 + odd.length + 1);
  assert.equal(peer.texts().at(-1), answer(200));
  assert.equal(receiverWrites(), afterPing, "back between messages, the next request skipped it again");
});

test("requests mixed with pings, fragments, binary, long and odd frames are each answered once, in order, wherever reads split them", async (t) => {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => void warnings.push(message) };
  const server = await startServer(t, { logger });
  server.onFrameworkMessage(echo, (x) => x);
  const replacement = "a \uFFFD sent as such";
  const stream = (long: boolean) =>
    Buffer.concat([
      frame(1, request(1)),
      frame(9, "ping 1"),
      // A request in three fragments with a ping between them.
      frame(1, request(2).slice(0, 5), { fin: false }),
      frame(9, "ping 2"),
      frame(0, request(2).slice(5, 8), { fin: false }),
      frame(0, request(2).slice(8)),
      // Valid text with a U+FFFD in it: `ws` decides those.
      frame(1, request(3, replacement)),
      ...(long ? [frame(1, request(4, "z".repeat(5000))), frame(1, request(5, "ü".repeat(40_000)))] : []),
      frame(2, Buffer.from([1, 2, 3])),
      sixteenBitFrame(request(6)),
      frame(1, request(7, "end")),
    ]);
  const expected = (long: boolean) => [answer(1), answer(2), answer(3, replacement), ...(long ? [answer(4, "z".repeat(5000)), answer(5, "ü".repeat(40_000))] : []), answer(6), answer(7, "end")];
  // Whole; a byte per write (short stream); then pieces of 7 and 1,000 bytes.
  const runs: Array<[long: boolean, step: number]> = [[true, Infinity], [false, 1], [false, 7], [true, 1000]];
  for (const [run, [long, step]] of runs.entries()) {
    const peer = await rawPeer(server.getPort(), `mixed-${run}`);
    const bytes = stream(long);
    await peer.write(bytes, Math.min(step, bytes.length));
    const want = expected(long);
    await peer.until(() => peer.texts().length >= want.length && peer.frames.filter((f) => f.opcode === 10).length === 2);
    assert.deepEqual(peer.texts(), want, `run ${run} (pieces of ${step})`);
    assert.deepEqual(peer.frames.filter((f) => f.opcode === 10).map((f) => f.payload.toString()), ["ping 1", "ping 2"], `run ${run}`);
    // One binary frame per run, each warned (the log's bound is 10 a second).
    assert.equal(warnings.filter((w) => /Binary frame ignored/.test(w)).length, run + 1, `run ${run}: the binary frame warned`);
    peer.socket.destroy();
  }
});

test("whatever a read holds, the reader hands on what ws's own Receiver would: every split of a stream of 0-1,025-byte texts, pings, fragments and binary, and a maxPayload under 1 KiB", async () => {
  // ws's Receiver is the reference: the same bytes written to one wrapped and one not must give the
  // same messages, pings, close and error (ws's code) in the same order, wherever the reads split.
  // A mask whose four bytes differ only below their high bit: ASCII unmasked with the mask at the
  // wrong phase is still valid UTF-8 (wrong text, no U+FFFD to send the frame back to ws).
  const masked = (text: string | Buffer) => {
    const plain = frame(1, text, { masked: false });
    const head = plain.subarray(0, plain.length - Buffer.byteLength(text));
    const mask = [0x12, 0x34, 0x56, 0x78];
    const body = Buffer.from(plain.subarray(head.length)).map((byte, i) => byte ^ mask[i & 3]!);
    return Buffer.concat([Buffer.from([head[0]!, head[1]! | 0x80]), head.subarray(2), Buffer.from(mask), body]);
  };
  const lengths = [0, 1, 125, 126, 127, 255, 256, 257, 1023, FAST_BYTES, FAST_BYTES + 1];
  const stream = Buffer.concat([
    ...lengths.map((length, i) => masked(`${i}:`.padEnd(length, String.fromCharCode(97 + i)).slice(0, length))),
    frame(1, "é€😀".repeat(30)),
    frame(9, "ping"),
    frame(1, "a \uFFFD sent as such"),
    frame(1, "frag", { fin: false }),
    frame(0, "mented"),
    frame(2, Buffer.from([1, 2, 3])),
    frame(1, "last"),
    // Not UTF-8: ws closes with 1007 (nothing after it is read).
    masked(Buffer.from([0x61, 0xff, 0x62])),
  ]);
  const heard = (maxPayload: number, reads: number[], wrapped: boolean) => receiverEvents("server", stream, maxPayload, reads, wrapped);
  for (const maxPayload of [0, 300]) {
    const expected = await heard(maxPayload, [], false);
    assert.ok(expected.length >= (maxPayload ? 7 : lengths.length + 6), `maxPayload ${maxPayload}: ${expected.length} events`);
    assert.equal(expected.at(-1), maxPayload ? "error WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" : "error WS_ERR_INVALID_UTF8");
    for (let split = 0; split <= stream.length; split++) {
      const got = await heard(maxPayload, [split], true);
      if (JSON.stringify(got) !== JSON.stringify(expected)) assert.deepEqual(got, expected, `maxPayload ${maxPayload}, reads split at ${split}`);
    }
    assert.deepEqual(await heard(maxPayload, Array.from({ length: stream.length }, (_, i) => i), true), expected, `maxPayload ${maxPayload}, a byte per read`);
  }
});
