/**
 * A request's client going away while the hub still works on it (a rule's process has not
 * answered): what it held is given back then, and whoever waits for its answer stops.
 */

/** The part of Node's `ServerResponse` that srvx hands on as `request.runtime.node.res`. */
interface NodeResponse {
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  once(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
}

/**
 * Calls `left` once the request's client goes away (its signal aborts: every runtime's server
 * aborts it when the connection closes before the answer). Returns the call-off.
 */
export function whenClientLeaves(request: Request, left: () => void): () => void {
  // On Node, the response's own `close` (before the answer ended) says the same. Read
  // `request.signal` instead and srvx builds an AbortController and a listener for it on every
  // relayed request: +21% of a Node hub's CPU per remote mock (bench/mocks-relay.ts, session 18).
  const response = (request as { runtime?: { node?: { res?: NodeResponse } } }).runtime?.node?.res;
  if (response) {
    const onClose = () => {
      if (!response.writableEnded) left();
    };
    if (response.destroyed) {
      onClose();
      return () => {};
    }
    response.once("close", onClose);
    return () => response.off("close", onClose);
  }
  let signal: AbortSignal | undefined;
  try {
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

/**
 * Whether the request's client has gone already (false for a request without a usable signal).
 * Read only once something failed or ended: on Node, srvx builds `signal` on its first read.
 */
export function clientHasLeft(request: Request): boolean {
  try {
    return request.signal?.aborted === true;
  } catch {
    return false;
  }
}
