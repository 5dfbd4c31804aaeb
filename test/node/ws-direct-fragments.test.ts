/**
 * The fronts' own frame reader (adapters/_ws-direct.ts) holds a fragmented message's bytes, not
 * its frames: empty continuation frames (6 bytes each on the wire) add nothing to the message and
 * nothing to what it keeps. Kept one array each, 18 MB of them held 586 MB in a Bun or Deno hub,
 * never reaching `maxMessageSize`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames } from "../../adapters/_ws-direct.ts";
import { frame } from "../fixtures/_rawPeer.ts";


test("empty continuation frames are not kept; the message they are part of arrives whole", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1024, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(frame(1, "he", { fin: false }));
  const empties = Buffer.concat(Array.from({ length: 4_000 }, () => frame(0, "", { fin: false })));
  for (let i = 0; i < 4; i++) reader.feed(empties);
  // "he" alone: 16,000 empty fragments behind it hold nothing.
  assert.equal(reader.heldFragments, 1);
  reader.feed(frame(0, "llo"));
  assert.deepEqual(got, ["hello"]);
  assert.equal(reader.heldFragments, 0);
});

test("a message of empty fragments only is an empty message", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1024, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(Buffer.concat([frame(1, "", { fin: false }), frame(0, "", { fin: false }), frame(0, ""), frame(1, "next")]));
  assert.deepEqual(got, ["", "next"]);
  assert.equal(reader.heldFragments, 0);
});

/** A masked binary frame header declaring `length` bytes (64-bit length), mask 0. */
function bigHeader(length: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = 0x82;
  head[1] = 0x80 | 127;
  head.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
  head.writeUInt32BE(length >>> 0, 6);
  return head; // mask bytes 10..13 are 0: the payload is sent as is
}

test("a frame's header claiming 60 MiB costs what arrived, not what it claims (100 clients: 6 GB before)", () => {
  const readers: ClientFrames[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 100; i++) {
    const reader = new ClientFrames(64 * 1024 * 1024, { message: () => {}, control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
    reader.feed(Buffer.concat([bigHeader(60 * 1024 * 1024), Buffer.alloc(1000, 7)]));
    readers.push(reader);
  }
  const held = process.memoryUsage().arrayBuffers - before;
  assert.ok(held < 200 * 1024 * 1024, `100 readers hold ${Math.round(held / 1024 / 1024)} MiB`);
  assert.equal(readers.length, 100);
});

test("a 3 MiB binary frame fed in uneven pieces arrives byte for byte", () => {
  const got: Uint8Array[] = [];
  const reader = new ClientFrames(64 * 1024 * 1024, { message: (data) => got.push(data as Uint8Array), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  const payload = Buffer.alloc(3 * 1024 * 1024 + 5);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const wire = Buffer.concat([bigHeader(payload.length), payload]);
  for (let at = 0, step = 1; at < wire.length; at += step, step = (step * 7 + 13) % 300_000 + 1) reader.feed(wire.subarray(at, Math.min(at + step, wire.length)));
  assert.equal(got.length, 1);
  assert.ok(Buffer.from(got[0]!).equals(payload));
});

test("a message of more than 16,384 frames closes with 1008, as ws does on a Node hub: empty or not, nothing more is read", () => {
  for (const payload of ["", "x"]) {
    const got: Array<string | Uint8Array> = [];
    const failed: Array<[number, string]> = [];
    const reader = new ClientFrames(64 * 1024 * 1024, { message: (data) => got.push(data), control: () => {}, fail: (code, reason) => failed.push([code, reason]) });
    // 16,384 frames in all make a message.
    reader.feed(Buffer.concat([frame(1, "a", { fin: false }), ...Array.from({ length: 16_382 }, () => frame(0, payload, { fin: false })), frame(0, "b")]));
    assert.deepEqual(got, [`a${payload.repeat(16_382)}b`]);
    assert.deepEqual(failed, []);
    // One more is refused at its header; what follows is not read.
    reader.feed(Buffer.concat([frame(1, "a", { fin: false }), ...Array.from({ length: 16_383 }, () => frame(0, payload, { fin: false })), frame(0, "b"), frame(1, "next")]));
    assert.deepEqual(failed, [[1008, "Too many message fragments"]]);
    assert.equal(got.length, 1);
    assert.equal(reader.heldFragments, 0);
  }
});
