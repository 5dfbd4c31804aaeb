/**
 * The Deno front's read buffers (adapters/_deno-read-size.ts): grown fourfold after a read that
 * filled them, to 64 KiB for HTTP and the server's bytes, and to 256 KiB for the client's frames
 * on a connection whose frames the front carries (session 16: a 64 KiB message took two or three
 * reads of 64 KiB). The frames themselves, at every size, are tested through the front in
 * test/deno/front-frames.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FIRST_READ_BYTES, nextReadSize } from "../../adapters/_deno-read-size.ts";

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

test("a read that did not fill its buffer leaves it as it is", () => {
  for (const size of [1024, 65536, 262144]) assert.equal(nextReadSize(size, false, true), size);
});
