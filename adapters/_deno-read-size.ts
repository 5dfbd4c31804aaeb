/**
 * How large the Deno front's read buffers grow (`_deno-front.ts`). Each direction of a connection
 * reads into one buffer of its own, reused: 1 KiB to start (an idle connection holds two while it
 * waits), grown fourfold whenever a read fills it, up to 64 KiB for bulk bodies and frames. The
 * client's reads on a connection whose WebSocket frames the front carries itself go up to 256 KiB:
 * a 64 KiB message is a frame of 64 KiB and some, two or three 64 KiB reads (each an op, a promise
 * and a turn of the loop), where one read of 256 KiB takes it whole, or several
 * (bench/ANALYSIS.md, "Session 16 — Deno at 64 KiB").
 */
export const FIRST_READ_BYTES: number = 1024;
export const MAX_READ_BYTES: number = 64 * 1024;
export const MAX_FRAME_READ_BYTES: number = 256 * 1024;

/**
 * The size of the next read's buffer: `size` grown fourfold after a read that `filled` it, up to
 * the cap. A buffer is held for as long as its read waits, and a framework client may then send
 * nothing for minutes: after a read that did not fill it and left no message part-way
 * (`betweenMessages`), the next read is `FIRST_READ_BYTES` again (an idle client held 256 KiB
 * after one message over 64 KiB, for the rest of its connection). A read that then fills that
 * small buffer goes straight back to `wide`, the size full reads had reached (not four steps up):
 * one more read per burst of messages, none within a message.
 */
export function nextReadSize(size: number, filled: boolean, carriedFrames: boolean, betweenMessages = false, wide: number = size): number {
  const cap = carriedFrames ? MAX_FRAME_READ_BYTES : MAX_READ_BYTES;
  if (filled) return size < wide ? Math.min(wide, cap) : size < cap ? Math.min(size * 4, cap) : size;
  return betweenMessages ? FIRST_READ_BYTES : size;
}

/**
 * Read buffers past 1 KiB that connections gave back when they went back to 1 KiB between
 * messages, by size, at most `SPARE_PER_SIZE` of each (1.4 MiB in all). Without them a framework
 * client sending one 64 KiB message at a time allocated a fresh zeroed 256 KiB buffer per message
 * (its `memset` and page faults): 7–9% of a Deno hub's CPU per request (bench/ANALYSIS.md,
 * "Session 21"). A buffer given back is never read again by the connection that gave it, and
 * nothing keeps a view of it past the read that filled it (the frame reader copies what it holds).
 */
const spare = new Map<number, Array<Uint8Array<ArrayBuffer>>>();
const SPARE_PER_SIZE = 4;

/** A buffer of `size` bytes for the next read: a spare one when there is one. Its old bytes are never read. */
export function takeReadBuffer(size: number): Uint8Array<ArrayBuffer> {
  return spare.get(size)?.pop() ?? new Uint8Array(size);
}

/** Gives back a buffer no read will use any more (small ones are left to the collector). */
export function giveBackReadBuffer(buffer: Uint8Array<ArrayBuffer>): void {
  if (buffer.length <= FIRST_READ_BYTES) return;
  let list = spare.get(buffer.length);
  if (list === undefined) spare.set(buffer.length, (list = []));
  if (list.length < SPARE_PER_SIZE) list.push(buffer);
}
