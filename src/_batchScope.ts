import type { BatchScope, Platform } from "./platform.ts";

const ANSWER = 115; // "s"
const REQUEST = 114; // "r"

/** True for a request frame. */
export function isRequest(frame: string): boolean {
  return frame.charCodeAt(0) === REQUEST;
}

/**
 * The batch a frame about to be written joins (`Platform.batchWrite`). `lone`: the frame is a
 * request and no other request is pending on its socket.
 *
 * An answer joins the run it is given in: the answers to one read's requests come from that
 * read's callback. So does a lone request: at one request in flight every request is one, and
 * ending a turn's batch for it (a `setImmediate` on Node) cost ~1 µs of every round trip; when a
 * read brings every answer at once, the requests sent back from it start with a lone one and the
 * rest of the run's requests join the same batch from the second on. Other frames join the turn.
 * A server's requests to its clients never count as lone: a hub relays them from separate I/O
 * callbacks of one turn (remote mocks, services), and those must leave together.
 */
export function batchScopeOf(frame: string, lone: boolean): BatchScope {
  return lone || frame.charCodeAt(0) === ANSWER ? "run" : "turn";
}

/** Tells the runtime's write batching about `frame` before it is written to `transport`. */
export function batchFrame(batchWrite: NonNullable<Platform["batchWrite"]>, transport: unknown, frame: string, lone: boolean): void {
  batchWrite(transport, frame.length, batchScopeOf(frame, lone));
}
