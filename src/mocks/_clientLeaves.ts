/**
 * A request's client going away while the hub still works on it (a rule's process has not
 * answered): what it held is given back then, and whoever waits for its answer stops.
 */

/**
 * Calls `left` once the request's client goes away (its signal aborts: every runtime's server
 * aborts it when the connection closes before the answer). Returns the call-off.
 */
export function whenClientLeaves(request: Request, left: () => void): () => void {
  let signal: AbortSignal | undefined;
  try {
    // On Node, srvx builds the signal on first read (and aborts it at once if the client is gone).
    signal = request.signal;
  } catch {
    return () => {};
  }
  if (!signal) return () => {};
  if (signal.aborted) {
    left();
    return () => {};
  }
  signal.addEventListener("abort", left, { once: true });
  return () => signal.removeEventListener("abort", left);
}
