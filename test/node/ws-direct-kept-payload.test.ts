/**
 * The fronts' frame reader (adapters/_ws-direct.ts) gathers a whole text message of up to 128 KiB
 * in a buffer it reuses (`keptPayloads`, shared by every connection) instead of a new, zeroed one
 * per message (session 16, speed). The bytes must not change: every length form and every length
 * mod 8 (the mask's phase and the word loop's tail), fed whole and cut at odd places; two
 * connections gathering at once; a shorter message after a longer one (no old bytes); a bad one
 * (1007) and a connection that ends part-way through a message.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames, keptPayloadCount } from "../../adapters/_ws-direct.ts";
import { frame } from "../fixtures/_rawPeer.ts";

function reader(maxMessageSize = 4 << 20) {
  const got: Array<string | Uint8Array> = [];
  const failed: number[] = [];
  const frames = new ClientFrames(maxMessageSize, { message: (data) => got.push(data), control: () => {}, fail: (code) => failed.push(code) });
  return { got, failed, frames };
}

function feedInPieces(frames: ClientFrames, bytes: Uint8Array, step: number): void {
  for (let i = 0; i < bytes.length; i += step) frames.feed(bytes.subarray(i, Math.min(bytes.length, i + step)));
}

/** `bytes` UTF-8 bytes of text with 2-, 3- and 4-byte characters among ASCII, so pieces cut inside them. */
function text(bytes: number, seed: number): string {
  const parts = ["a", "é", "€", "😀", String.fromCharCode(97 + (seed % 26))];
  let out = "";
  let size = 0;
  for (let i = 0; ; i++) {
    const part = parts[(i * 7 + seed) % parts.length]!;
    const length = Buffer.byteLength(part);
    if (size + length > bytes) break;
    out += part;
    size += length;
  }
  return out + "z".repeat(bytes - size);
}

const lengths = [...Array.from({ length: 24 }, (_, i) => i), 125, 126, 127, 16 * 1024, 16 * 1024 + 1, 65535, 65536, 65537, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 1 << 20];

test("text messages of every length form and every length mod 8 arrive byte for byte, whole and in pieces", () => {
  for (const step of [Infinity, 997, 4096 + 3]) {
    const { got, failed, frames } = reader();
    const sent: string[] = [];
    for (const length of lengths) {
      for (const extra of [0, 1, 2, 3, 4, 5, 6, 7]) {
        const message = text(length + extra, length + extra);
        sent.push(message);
        const bytes = frame(1, message);
        if (step === Infinity) frames.feed(bytes);
        else feedInPieces(frames, bytes, step);
      }
    }
    assert.deepEqual(failed, []);
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.ok(got[i] === sent[i], `message ${i} (${Buffer.byteLength(sent[i]!)} bytes, pieces of ${step}) changed`);
  }
});

test("a whole text message's buffer is given back once decoded and gathers the next one", () => {
  const { got, frames } = reader();
  const before = keptPayloadCount();
  feedInPieces(frames, frame(1, "a".repeat(100_000)), 30_000);
  const after = keptPayloadCount();
  assert.ok(after >= 1, "the buffer waits in the list for the next message");
  // A shorter message next, in the same buffer: none of the longer one's bytes show.
  feedInPieces(frames, frame(1, "b".repeat(50_000)), 30_000);
  assert.equal(keptPayloadCount(), after);
  assert.ok(got[0] === "a".repeat(100_000));
  assert.ok(got[1] === "b".repeat(50_000));
  assert.ok(after >= before);
});

test("two connections gathering large messages at once each get their own bytes", () => {
  const one = reader();
  const two = reader();
  const first = frame(1, text(70_000, 1));
  const second = frame(1, text(90_000, 2));
  one.frames.feed(first.subarray(0, 40_001));
  two.frames.feed(second.subarray(0, 50_003));
  one.frames.feed(first.subarray(40_001));
  two.frames.feed(second.subarray(50_003));
  assert.deepEqual([one.failed, two.failed], [[], []]);
  assert.ok(one.got[0] === text(70_000, 1));
  assert.ok(two.got[0] === text(90_000, 2));
});

test("bad UTF-8 in a gathered message still closes with 1007, and the next connection's message is whole", () => {
  const bad = reader();
  const bytes = Buffer.from("a".repeat(80_000));
  bytes[60_000] = 0xff;
  feedInPieces(bad.frames, frame(1, bytes), 30_000);
  assert.deepEqual(bad.failed, [1007]);
  assert.deepEqual(bad.got, []);
  const next = reader();
  feedInPieces(next.frames, frame(1, "c".repeat(80_000)), 30_000);
  assert.ok(next.got[0] === "c".repeat(80_000));
});

test("a connection that ends part-way through a message does not hold up the others", () => {
  // Readers abandoned mid-message (their connections ended) keep their buffers; others still read.
  for (let i = 0; i < 10; i++) reader().frames.feed(frame(1, "q".repeat(100_000)).subarray(0, 60_000));
  const { got, failed, frames } = reader();
  for (let i = 0; i < 5; i++) feedInPieces(frames, frame(1, String(i).repeat(100_000)), 40_000);
  assert.deepEqual(failed, []);
  assert.deepEqual(got.map((m) => (m as string).length), [100_000, 100_000, 100_000, 100_000, 100_000]);
  assert.ok(got.every((m, i) => m === String(i).repeat(100_000)));
  assert.ok(keptPayloadCount() >= 1);
});

test("binary messages and fragments still get buffers of their own (they are handed on or held)", () => {
  const { got, frames } = reader();
  feedInPieces(frames, frame(2, Buffer.alloc(70_000, 5)), 30_000);
  feedInPieces(frames, frame(2, Buffer.alloc(70_000, 6)), 30_000);
  assert.equal((got[0] as Uint8Array).every((b) => b === 5), true);
  assert.equal((got[1] as Uint8Array).every((b) => b === 6), true);
  frames.feed(Buffer.concat([frame(1, "x".repeat(70_000), { fin: false }), frame(0, "y".repeat(70_000))]));
  assert.ok(got[2] === "x".repeat(70_000) + "y".repeat(70_000));
});
