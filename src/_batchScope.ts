import type { BatchScope, Platform } from "./platform.ts";

const ANSWER = 115; // "s"
const REQUEST = 114; // "r"

/**
 * The batch a frame about to be written joins (`Platform.batchWrite`), or none. `pending` is the
 * requests its socket has sent and not seen answered, this one included.
 *
 * An answer joins the run it is given in: the answers to one read's requests come from that
 * read's callback. A request with no other one pending (one request in flight) joins nothing:
 * there is nothing to gather it with, and ending a turn's batch for it (a `setImmediate` on Node)
 * cost ~1 µs of every round trip. Should more requests follow in the same turn, from the second
 * on they are gathered as before, so a burst costs one more write, not one per request.
 */
export function batchScopeOf(frame: string, pending: number): BatchScope | undefined {
  const type = frame.charCodeAt(0);
  if (type === ANSWER) return "run";
  if (type === REQUEST && pending <= 1) return undefined;
  return "turn";
}

/** Tells the runtime's write batching about `frame` before it is written to `transport`. */
export function batchFrame(batchWrite: NonNullable<Platform["batchWrite"]>, transport: unknown, frame: string, pending: number): void {
  const scope = batchScopeOf(frame, pending);
  if (scope) batchWrite(transport, frame.length, scope);
}
