/**
 * Buffers for the Deno front's large answer frames (`_deno-front-frames.ts`), given back once the
 * frame is written and handed out again. With a new `ArrayBuffer` per answer (glibc `calloc`, freed
 * only when the collector gets to it), a hub at 64 KiB × 64 fell at random, per process, into a mode
 * of ~10 page faults and 2–4× the CPU per request: the answers held the malloc heap's top up until a
 * collection, glibc then gave the top back to the kernel, and V8's `JSON.stringify` (one ~512 KiB
 * block per 64 KiB string) wrote into pages faulted in anew each time. With the frames reused,
 * far fewer rounds fault and no process was seen to stay so (bench/ANALYSIS.md, "Session 21 —
 * Deno at 64 KiB, the swing").
 *
 * Frames of more than `POOLED_FROM` bytes and at most `POOLED_UP_TO` only: smaller ones are
 * allocated as before (`allocateOutsidePool`), larger ones get a buffer of their exact size (a
 * capacity rounded up to a power of two would hold up to twice a large answer's bytes while it is
 * written). Frames over 16 KiB are never joined with others on their way out (`JOIN_BYTES` in
 * `_front-frames.ts` and `_deno-front-frames.ts`), so the buffer handed out is the very one
 * written. Kept by capacity, a power of two, at most `MAX_KEPT_BYTES` in all (shared by every
 * connection): past it a buffer given back is left to the collector. Rounded up, a frame waiting to
 * be written holds up to twice its bytes: a client that does not read can hold up to twice
 * `maxBufferedAmount` in memory before the core drops it (bounded, as before).
 */
import { Buffer } from "node:buffer";

/** Frames up to this size are not pooled (16 KiB: the size up to which frames are joined). */
export const POOLED_FROM: number = 16 * 1024;
/** Frames past this size are not pooled (1 MiB). */
export const POOLED_UP_TO: number = 1024 * 1024;
/** What the pool keeps at most: 64 buffers of 128 KiB, the answers of 64 KiB requests at 64 in flight. */
export const MAX_KEPT_BYTES: number = 8 * 1024 * 1024;

const kept = new Map<number, ArrayBuffer[]>();
let keptBytes = 0;
/** Buffers handed out and not given back: only those are taken back (a frame of another allocator, or given back twice, is not). */
const out = new WeakSet<ArrayBuffer>();

function capacityOf(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes));
}

/** A frame buffer of `bytes` (more than `POOLED_FROM`): a kept one when there is one. Its old bytes are there until written over. */
export function takeFrameBuffer(bytes: number): Buffer {
  const capacity = capacityOf(bytes);
  let buffer = kept.get(capacity)?.pop();
  if (buffer === undefined) buffer = new ArrayBuffer(capacity);
  else keptBytes -= capacity;
  out.add(buffer);
  return Buffer.from(buffer, 0, bytes);
}

/** Gives back a frame from `takeFrameBuffer` once nothing will read it again (its write completed). Anything else is ignored. */
export function giveBackFrameBuffer(frame: Uint8Array): void {
  const buffer = frame.buffer as ArrayBuffer;
  if (!out.delete(buffer)) return;
  if (keptBytes + buffer.byteLength > MAX_KEPT_BYTES) return;
  let list = kept.get(buffer.byteLength);
  if (list === undefined) kept.set(buffer.byteLength, (list = []));
  list.push(buffer);
  keptBytes += buffer.byteLength;
}
