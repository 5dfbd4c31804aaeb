/**
 * `bandwidth: bytesPerSecond` — per response: the body of each faulted response flows to the
 * client no faster than this (the head is not delayed). Does not apply to WebSockets.
 */
import { sleep, type FaultKindDef } from "./_kind.ts";

/** Pieces of ~50 ms of bytes: smooth enough to measure, few enough timers. */
const PIECES_PER_SECOND = 20;

export const bandwidth: FaultKindDef<number> = {
  name: "bandwidth",
  parse(value) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`fault bandwidth must be a number of bytes per second > 0, got ${JSON.stringify(value)}`);
    }
    return value;
  },
  async http(value, context) {
    const response = await context.take();
    if (!response.body) return response;
    return new Response(throttled(response.body, value), { status: response.status, statusText: response.statusText, headers: response.headers });
  },
};

/**
 * `body` re-timed so that after `n` bytes at least `n / bytesPerSecond` seconds have passed since
 * the first: each piece is sent, then the stream waits until the bytes so far are due.
 */
function throttled(body: ReadableStream<Uint8Array>, bytesPerSecond: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const pieceSize = Math.max(1, Math.floor(bytesPerSecond / PIECES_PER_SECOND));
  let pending: Uint8Array = new Uint8Array(0);
  let start: number | undefined;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending.length === 0) {
        const next = await reader.read();
        if (next.done) return controller.close();
        pending = next.value;
        if (pending.length === 0) return;
      }
      start ??= performance.now();
      const piece = pending.subarray(0, pieceSize);
      pending = pending.subarray(piece.length);
      controller.enqueue(piece);
      sent += piece.length;
      const wait = start + (sent / bytesPerSecond) * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
