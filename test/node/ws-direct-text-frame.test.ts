/**
 * The Deno front allocates an answer's frame past Buffer's pool over a new ArrayBuffer instead of
 * `Buffer.allocUnsafe` (session 15, speed): the frame's bytes must not change, at every length
 * form (7-bit, 16-bit, 64-bit) and either side of the pool's size.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { allocateOutsidePool, textFrame } from "../../adapters/_ws-direct.ts";

test("a text frame is the same bytes whichever way its buffer is allocated", () => {
  const pool = Buffer.poolSize >>> 1;
  for (const n of [0, 2, 125, 126, 127, pool - 5, pool - 4, pool, pool + 1, 0xffff, 0x10000, 0x10001, 1024 * 1024]) {
    // n bytes of text, one character of them two bytes long, so the length counted is in bytes.
    const text = n === 0 ? "" : "é" + "x".repeat(n - 2);
    const expected = textFrame(text);
    const framed = textFrame(text, allocateOutsidePool);
    assert.equal(Buffer.compare(Buffer.from(framed), Buffer.from(expected)), 0, `${n} bytes`);
    assert.equal(Buffer.from(framed.subarray(framed.length - Buffer.byteLength(text))).toString(), text);
  }
});

test("frames past the pool get a buffer of their own; small ones still come from the pool", () => {
  const pool = Buffer.poolSize >>> 1;
  assert.equal(allocateOutsidePool(pool).buffer.byteLength, pool);
  assert.equal(allocateOutsidePool(64 * 1024).buffer.byteLength, 64 * 1024);
  assert.equal(allocateOutsidePool(100).buffer.byteLength, Buffer.poolSize);
});
