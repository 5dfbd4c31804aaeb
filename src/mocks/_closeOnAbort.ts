/**
 * `connectMocks({ signal })`: the connection closes (and the hub drops every rule of it) when a
 * test runner's own signal aborts. A test that times out never reaches its `await using` or
 * `finally`: its function is still pending when the runner moves on, so without this its rules
 * stay at the hub until the process ends. Its unscoped rules then answer every other test, and
 * under `node --test` the open connection keeps the file's process alive for good.
 */
import type { Mocks } from "./connectMocks.ts";

/** Closes `mocks` once `signal` aborts; forgets the signal once the connection has closed. */
export function closeOnAbort(mocks: Mocks, signal: AbortSignal): void {
  const onAbort = () => {
    // Nothing to report to: the test that owned the signal has already ended.
    mocks.close().catch(() => undefined);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  // A long-lived signal (a worker's) must not keep every connection it ever closed reachable.
  mocks.client.onClose(() => signal.removeEventListener("abort", onAbort));
}

/** The reason a signal aborted with, as `fetch` rejects with it (an `AbortError` DOMException by default). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
