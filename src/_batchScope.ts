import type { BatchScope, Platform } from "./platform.ts";

const ANSWER = 115; // "s"
const REQUEST = 114; // "r"

/**
 * The batch a frame about to be written joins (`Platform.batchWrite`), or none. `pending` is the
 * requests its socket has sent and not seen answered, this one included.
 *
 * An answer joins the run it is given in: the answers to one read's requests come from that
 * read's callback. So does a request with no other one pending: at one request in flight every
 * request is one, and ending a turn's batch for it (a `setImmediate` on Node) cost ~1 µs of every
 * round trip; when a read brings every answer at once, the requests sent back from it start with
 * one of these and the rest of the run's requests join the turn's batch from the second on.
 * Other requests and messages join the turn: a hub relays them from separate I/O callbacks.
 */
export function batchScopeOf(frame: string, pending: number): BatchScope {
  const type = frame.charCodeAt(0);
  if (type === ANSWER || (type === REQUEST && pending <= 1)) return "run";
  return "turn";
}

/** Tells the runtime's write batching about `frame` before it is written to `transport`. */
export function batchFrame(batchWrite: NonNullable<Platform["batchWrite"]>, transport: unknown, frame: string, pending: number): void {
  batchWrite(transport, frame.length, batchScopeOf(frame, pending));
}
