/**
 * A proxied answer of unknown length (chunked) on a runtime whose server prints a failing body
 * (Bun: `Platform.quietBody`). Re-streaming it through JavaScript keeps a service that dies
 * mid-answer silent, but cost a Bun hub ~1.27× its CPU per small chunked request (bench/ANALYSIS.md,
 * "Session 22 — Bun hub: a proxied service dying mid-answer"). Most such answers are small and
 * already whole in `fetch`'s hands when the head arrives: those go out whole, as an answer of
 * known length does (a complete body cannot fail any more). Only reads that have settled already
 * are taken, so nothing waits on the network here: a stream whose next part is still to come
 * (server-sent events, a large download) goes out re-streamed at once, with what was read first.
 */
import { SMALL_ANSWER } from "../platform.ts";
import { concat } from "../_bytes.ts";

type Read = ReadableStreamReadResult<Uint8Array>;
type Settled = { read: Read } | { error: unknown };

/**
 * How many microtask turns a read of bytes the stream already holds may take to settle: Bun
 * 1.4.5's fetch body took 3 or fewer for a small chunked answer (200 of 200, a scratch probe).
 * Past it the read is treated as still waiting on the network: the answer is re-streamed, which
 * is always correct, only dearer.
 */
const SETTLE_TURNS = 6;

/** The read's outcome if it settles within `SETTLE_TURNS` microtask turns, else undefined (it is still handled: no unhandled rejection). */
async function settledSoon(read: Promise<Read>): Promise<Settled | undefined> {
  let outcome: Settled | undefined;
  read.then(
    (value) => (outcome = { read: value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let turn = 0; turn < SETTLE_TURNS && outcome === undefined; turn++) await undefined;
  return outcome;
}

/**
 * The answer whole when all of its body (at most `SMALL_ANSWER` bytes) has already arrived, else
 * re-streamed from what was read so far on, as `Platform.quietBody` re-streams: a failure cuts the
 * client's connection and the stream fails with `undefined`, which Bun's server does not print.
 * (Not `quietBody` of a stream of the rest: that would be a second JavaScript stream per chunk.)
 */
export async function wholeIfArrived(response: Response): Promise<Response> {
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  /**
   * A read `settledSoon` has handled, or none: one made past `SMALL_ANSWER` and left for the
   * stream's `pull` was an unhandled rejection when the service died before the client's side
   * pulled that far (Bun prints it and ends the process).
   */
  let pending: Promise<Read> | undefined = reader.read();
  for (;;) {
    const settled = await settledSoon(pending);
    if (settled === undefined || "error" in settled) break;
    pending = undefined;
    if (settled.read.done) return new Response(joined(parts, size), { status: response.status, statusText: response.statusText, headers: response.headers });
    parts.push(settled.read.value);
    size += settled.read.value.byteLength;
    if (size > SMALL_ANSWER) break;
    pending = reader.read();
  }
  // Still arriving (or failed): the parts read, then the pending read, then the rest, as a stream.
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts.shift();
      if (part !== undefined) return controller.enqueue(part);
      const read = pending ?? reader.read();
      pending = undefined;
      try {
        const { done, value } = await read;
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.error(undefined);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(rest, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function joined(parts: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  if (parts.length === 1 && parts[0]!.buffer instanceof ArrayBuffer) return parts[0] as Uint8Array<ArrayBuffer>;
  return concat(parts, size) as Uint8Array<ArrayBuffer>;
}
