/**
 * `bandwidth: bytesPerSecond` — per response: the body of each faulted response flows to the
 * client no faster than this (the head is not delayed). Does not apply to WebSockets. At most
 * 1,000 answers are slowed at once, as `timeout` holds at most 1,000 (`HeldRequests.throttle`):
 * each place is given back when its body ends, fails, or its client leaves.
 */
import { type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";

/** Pieces of ~50 ms of bytes: smooth enough to measure, few enough timers. */
const PIECES_PER_SECOND = 20;
/**
 * The longest one timer may wait (2^31 - 1 ms). A longer delay made Node fire after 1 ms and print
 * a TimeoutOverflowWarning: `bandwidth: 1e-9` sent the whole body at once. Longer waits are chained.
 */
const MAX_TIMER = 2_147_483_647;

export const bandwidth: FaultKindDef<number> = {
  name: "bandwidth",
  parse(value) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`fault bandwidth must be a number of bytes per second > 0, got ${quoted(value)}`);
    }
    return value;
  },
  async http(value, context) {
    // Past the server's bound (the same as `timeout`'s) the request is answered 503 and not taken.
    const slot = context.throttle();
    if (typeof slot !== "function") return slot;
    let response: Response;
    try {
      response = await context.take();
    } catch (error) {
      slot();
      throw error;
    }
    // A HEAD's answer is never read, whatever its body: nothing to slow, and its place would never be given back.
    if (!response.body || context.request.method === "HEAD") {
      slot();
      return response;
    }
    return new Response(throttled(response.body, value, slot), { status: response.status, statusText: response.statusText, headers: response.headers });
  },
};

/**
 * `body` re-timed so that after `n` bytes at least `n / bytesPerSecond` seconds have passed since
 * the first: each piece is sent, then the stream waits until the bytes so far are due.
 */
function throttled(body: ReadableStream<Uint8Array>, bytesPerSecond: number, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const pieceSize = Math.max(1, Math.floor(bytesPerSecond / PIECES_PER_SECOND));
  let pending: Uint8Array = new Uint8Array(0);
  let start: number | undefined;
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending.length === 0) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          done();
          throw error;
        }
        if (next.done) {
          done();
          return controller.close();
        }
        pending = next.value;
        if (pending.length === 0) return;
      }
      start ??= performance.now();
      const piece = pending.subarray(0, pieceSize);
      pending = pending.subarray(piece.length);
      controller.enqueue(piece);
      sent += piece.length;
      const due = start + (sent / bytesPerSecond) * 1000;
      for (let wait = due - performance.now(); wait > 0 && !cancelled; wait = due - performance.now()) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.min(wait, MAX_TIMER));
        });
      }
    },
    // A client that leaves ends the wait at once: the timer would otherwise hold the body until it is due.
    cancel: (reason) => {
      done();
      cancelled = true;
      clearTimeout(timer);
      wake?.();
      pending = new Uint8Array(0);
      return reader.cancel(reason);
    },
  });
}
