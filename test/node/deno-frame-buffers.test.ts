/**
 * The Deno front's large answer frames come from buffers given back once written
 * (adapters/_deno-frame-buffers.ts): a new `ArrayBuffer` per 64 KiB answer, freed only by the
 * collector, sent a Deno hub at 64 KiB × 64 into a mode of ~10 page faults per request
 * (bench/ANALYSIS.md, "Session 21 — Deno at 64 KiB, the swing"). What a user would see go wrong
 * with a pool is a buffer handed out while a write still reads it (another answer's bytes on the
 * wire): these check that a frame's buffer comes back only after its write, whole, is done, and
 * that the bytes written are each frame's own, a reused buffer's old bytes included. The file also
 * passes under `deno test -A` (Deno's `Buffer`, the one the front uses). The frames through a real
 * front, at every size, are in test/deno/front-frames.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnWriter, FrameConn } from "../../adapters/_deno-front-frames.ts";
import { MAX_KEPT_BYTES, POOLED_FROM, POOLED_UP_TO, giveBackFrameBuffer, takeFrameBuffer } from "../../adapters/_deno-frame-buffers.ts";
import { textFrame } from "../../adapters/_ws-direct.ts";

/** A connection whose writes take at most `chunk` bytes each and complete only when `release` is called. */
function slowConn(chunk: number) {
  const written: Uint8Array[] = [];
  const waiting: Array<() => void> = [];
  return {
    written,
    waiting,
    write(bytes: Uint8Array): Promise<number> {
      const taken = Math.min(chunk, bytes.length);
      return new Promise((resolve) =>
        waiting.push(() => {
          // Copied when the write completes, as the kernel would have it by then: a buffer reused
          // before that shows here as another frame's bytes.
          written.push(bytes.slice(0, taken));
          resolve(taken);
        }),
      );
    },
    async release(): Promise<void> {
      while (waiting.length > 0) {
        waiting.shift()!();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

const frameOf = (text: string, conn: FrameConn) => textFrame(text, conn.allocate);

test("a large answer's buffer is handed out again only after its write completed, and each frame goes out whole", async () => {
  const conn = slowConn(10_000);
  const frames = new FrameConn({ closed: false, reset: () => assert.fail("reset") }, conn, slowConn(1 << 20), 1 << 20);
  const first = frameOf("a".repeat(70_000), frames);
  frames.writeClient(first, true);
  // The first write is under way (10,000 bytes of 70,004 asked): a second answer must not get its buffer.
  const second = frameOf("b".repeat(70_000), frames);
  assert.notEqual(second.buffer, first.buffer, "a buffer handed out while its write was still under way");
  frames.writeClient(second, true);
  await conn.release();
  const wire = Buffer.concat(conn.written);
  assert.deepEqual(wire, Buffer.concat([textFrame("a".repeat(70_000)), textFrame("b".repeat(70_000))]));
  // Both written: the next answers of that size reuse them (no new ArrayBuffer per answer).
  const third = frameOf("c".repeat(70_000), frames);
  assert.ok(third.buffer === first.buffer || third.buffer === second.buffer, "a written frame's buffer was not reused");
  assert.deepEqual(Buffer.from(third), textFrame("c".repeat(70_000)));
});

test("a ConnWriter gives back nothing it copied, and nothing twice", async () => {
  const conn = slowConn(1 << 20);
  const writer = new ConnWriter(conn, () => assert.fail("failed"));
  const frame = takeFrameBuffer(40_000);
  frame.fill(1);
  // Not owned: the writer copies it, and the caller keeps (and later gives back) its own.
  writer.write(frame, false);
  await conn.release();
  const meanwhile = takeFrameBuffer(40_000);
  assert.notEqual(meanwhile.buffer, frame.buffer, "the writer gave back the caller's buffer, which the caller still holds");
  giveBackFrameBuffer(meanwhile);
  giveBackFrameBuffer(frame);
  giveBackFrameBuffer(frame);
  const again = takeFrameBuffer(40_000);
  const another = takeFrameBuffer(40_000);
  assert.equal(again.buffer, frame.buffer);
  assert.notEqual(another.buffer, frame.buffer, "a buffer given back twice was handed out twice");
  giveBackFrameBuffer(again);
  giveBackFrameBuffer(another);
});

test("frames of 16 KiB or less and of more than 1 MiB do not come from this pool; what is kept is bounded", () => {
  const frames = new FrameConn({ closed: false, reset: () => {} }, slowConn(1), slowConn(1), 1 << 24);
  const small = frames.allocate(POOLED_FROM);
  giveBackFrameBuffer(small);
  // Not handed out again: other memory (small frames may share one slab of Node's own Buffer pool,
  // 64 KiB on Node 24, so the same ArrayBuffer at another offset is not the same memory).
  const next = frames.allocate(POOLED_FROM);
  assert.ok(next.buffer !== small.buffer || next.byteOffset + next.length <= small.byteOffset || small.byteOffset + small.length <= next.byteOffset, "a small frame given back was handed out again");
  const large = frames.allocate(POOLED_UP_TO + 1);
  assert.equal(large.buffer.byteLength, POOLED_UP_TO + 1, "a very large frame's buffer rounded up");
  // Given back past the bound, buffers are left to the collector: a burst leaves at most MAX_KEPT_BYTES.
  const size = 1 << 19;
  const taken = Array.from({ length: MAX_KEPT_BYTES / size + 4 }, () => takeFrameBuffer(size));
  for (const frame of taken) giveBackFrameBuffer(frame);
  const kept = new Set<ArrayBufferLike>();
  for (let i = 0; i < taken.length; i++) {
    const frame = takeFrameBuffer(size);
    if (taken.some((t) => t.buffer === frame.buffer)) kept.add(frame.buffer);
  }
  assert.ok(kept.size <= MAX_KEPT_BYTES / size, `kept ${kept.size} buffers of 512 KiB`);
  assert.ok(kept.size > 0);
});

test("a reused buffer's old bytes never reach the wire: every byte of the frame is written over", () => {
  const frames = new FrameConn({ closed: false, reset: () => {} }, slowConn(1), slowConn(1), 1 << 20);
  // Texts of one capacity (64–128 KiB), with 2-, 3- and 4-byte characters, each shorter in bytes than the last.
  const texts = ["x".repeat(120_000), "é€😀".repeat(10_000) + "a", "€".repeat(30_000)];
  for (const text of texts) {
    const dirty = takeFrameBuffer(Buffer.byteLength(text) + 10);
    dirty.fill(0xff);
    giveBackFrameBuffer(dirty);
    const framed = frameOf(text, frames);
    assert.equal(framed.buffer, dirty.buffer, "the dirty buffer was not the one reused");
    assert.deepEqual(Buffer.from(framed), textFrame(text));
  }
});
