/**
 * Frees a Bun socket read's buffer as soon as the front is done with it, instead of leaving it to
 * the collector. Bun hands each `data` callback a new buffer (a copy of its receive buffer, from
 * mimalloc); freed only at a collection, a hub at 64 KiB × 64 put ~64 KiB of them per request
 * into memory that mimalloc's purge thread then handed back to the kernel (`MADV_DONTNEED`), and
 * later reads faulted its pages in again: 2–11 page faults per request; freed at once (the next read
 * can take the same, still resident, memory), the hub's CPU per request at 64 KiB × 64 was ~0.79× of
 * what it was (bench/ANALYSIS.md, "Session 21 — Bun at 64 KiB").
 *
 * `transfer(0)` detaches the buffer (its bytes are freed; any view of it reads as empty), so this
 * is only for reads nothing holds on to: the front's framework connections copy every byte they
 * keep (`ClientFrames` in `_ws-direct.ts` unmasks into buffers of its own). A view into a larger
 * buffer (not a read of Bun's own) is left alone, and so are reads under `RELEASED_FROM` bytes: a
 * `transfer` per ~100 B read looked like a cost at one request in flight (hub CPU 1.081×, IQR
 * 0.99–1.12, against an A/A's 1.032×; 1.013× once small reads were left alone).
 */

/** Reads of fewer bytes are left to the collector (16 KiB, the size up to which the fronts join frames). */
export const RELEASED_FROM: number = 16 * 1024;

/** Frees `bytes` (a Bun socket read nothing keeps) when it is a whole buffer of `RELEASED_FROM` bytes or more. */
export function releaseRead(bytes: Uint8Array): void {
  // The size first, and `.buffer` only past it: JavaScriptCore keeps a small typed array's bytes
  // in its own heap, and reading `.buffer` moves them into a new ArrayBuffer made for the purpose
  // (2.2–4.0 µs per 136 B read from `Bun.listen`, against 0.08 µs for `.byteLength`, and one more allocation to free): at one request in flight that getter was
  // 4.9% of a Bun hub's JavaScript samples, more than `JSON.stringify` (bench/ANALYSIS.md,
  // "Session 22 — one in flight").
  if (bytes.byteLength < RELEASED_FROM) return;
  const buffer = bytes.buffer as ArrayBuffer & { transfer?(length: number): ArrayBuffer };
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength || typeof buffer.transfer !== "function") return;
  try {
    buffer.transfer(0);
  } catch {
    // A buffer the runtime made not detachable: left to the collector, as before.
  }
}
