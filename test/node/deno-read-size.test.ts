/**
 * The Deno front's read buffers (adapters/_deno-read-size.ts): grown fourfold after a read that
 * filled them, to 64 KiB for HTTP and the server's bytes, and to 256 KiB for the client's frames
 * on a connection whose frames the front carries (session 16: a 64 KiB message took two or three
 * reads of 64 KiB). A framework client that then went idle held its 256 KiB buffer for the rest
 * of its connection (its read waits in it): after a read that ends between two messages the next
 * is 1 KiB again, and one that fills that goes straight back to 256 KiB. The frames themselves,
 * at every size, are tested through the front in test/deno/front-frames.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FIRST_READ_BYTES, MAX_FRAME_READ_BYTES, giveBackReadBuffer, nextReadSize, takeReadBuffer } from "../../adapters/_deno-read-size.ts";
import { ClientFrames } from "../../adapters/_ws-direct.ts";
import { frame } from "../fixtures/_rawPeer.ts";

function grown(carriedFrames: boolean): number[] {
  const sizes = [FIRST_READ_BYTES];
  for (let i = 0; i < 8; i++) sizes.push(nextReadSize(sizes.at(-1)!, true, carriedFrames));
  return [...new Set(sizes)];
}

test("HTTP and the server's bytes: 1 KiB, grown fourfold by full reads, to 64 KiB", () => {
  assert.deepEqual(grown(false), [1024, 4096, 16384, 65536]);
});

test("a client's frames the front carries: on to 256 KiB, no further", () => {
  assert.deepEqual(grown(true), [1024, 4096, 16384, 65536, 262144]);
  // A buffer of 64 KiB from before the frames were carried grows on from there.
  assert.equal(nextReadSize(65536, true, true), 262144);
});

test("a read that did not fill its buffer, a message still part-way, leaves it as it is", () => {
  for (const size of [1024, 65536, 262144]) assert.equal(nextReadSize(size, false, true), size);
  for (const size of [1024, 65536, 262144]) assert.equal(nextReadSize(size, false, true, false, MAX_FRAME_READ_BYTES), size);
});

test("a read that ended between two messages: the next waits in 1 KiB; a full one goes straight back to 256 KiB", () => {
  // One message over 64 KiB grew the buffer to 256 KiB; its last read did not fill it.
  assert.equal(nextReadSize(MAX_FRAME_READ_BYTES, false, true, true, MAX_FRAME_READ_BYTES), FIRST_READ_BYTES);
  // Idle, then a burst: its first read fills the 1 KiB, and the next takes the rest in one.
  assert.equal(nextReadSize(FIRST_READ_BYTES, true, true, false, MAX_FRAME_READ_BYTES), MAX_FRAME_READ_BYTES);
  // Small messages only: never more than 1 KiB.
  assert.equal(nextReadSize(FIRST_READ_BYTES, false, true, true, FIRST_READ_BYTES), FIRST_READ_BYTES);
});

test("the client's frame reader says when all it was fed is whole messages", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1 << 20, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  assert.equal(reader.atBoundary, true);
  const big = frame(1, "x".repeat(70_000));
  reader.feed(big.subarray(0, 1));
  assert.equal(reader.atBoundary, false, "a header part-way");
  reader.feed(big.subarray(1, 40_000));
  assert.equal(reader.atBoundary, false, "a payload part-way");
  reader.feed(big.subarray(40_000));
  assert.equal(reader.atBoundary, true);
  reader.feed(frame(1, "he", { fin: false }));
  assert.equal(reader.atBoundary, false, "a fragmented message part-way");
  reader.feed(frame(0, "llo"));
  assert.equal(reader.atBoundary, true);
  assert.deepEqual(got.map((data) => (typeof data === "string" ? data.length : -1)), [70_000, 5]);
});

test("buffers given back between messages are taken again, at most four of each size; 1 KiB ones are not kept", () => {
  const wide = takeReadBuffer(MAX_FRAME_READ_BYTES);
  assert.equal(wide.length, MAX_FRAME_READ_BYTES);
  giveBackReadBuffer(wide);
  assert.equal(takeReadBuffer(MAX_FRAME_READ_BYTES), wide, "the buffer given back is the next one taken");
  assert.notEqual(takeReadBuffer(MAX_FRAME_READ_BYTES), wide, "and only once");
  const given = Array.from({ length: 6 }, () => new Uint8Array(65536));
  for (const buffer of given) giveBackReadBuffer(buffer);
  const taken = Array.from({ length: 6 }, () => takeReadBuffer(65536));
  assert.equal(taken.filter((buffer) => given.includes(buffer)).length, 4, "four kept, two left to the collector");
  assert.equal(new Set(taken).size, 6, "never the same buffer to two reads");
  const small = new Uint8Array(FIRST_READ_BYTES);
  giveBackReadBuffer(small);
  assert.notEqual(takeReadBuffer(FIRST_READ_BYTES), small);
});
