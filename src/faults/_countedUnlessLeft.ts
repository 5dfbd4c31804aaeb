/**
 * A remote fault's wait for its owner to take the count (../mocks/_countAck.ts), ended by the
 * client leaving. The wait lasts a round trip to the owner, up to `proxyTimeout` when the owner
 * stalls; a client that left meanwhile had its fault started afterwards: a `status` answer nobody
 * read, a `bandwidth` fault's take sending the request on to the service, a `reset` of a
 * connection already gone.
 */

/**
 * Resolves `true` once the owner took the count (or its wait ended otherwise), `false` as soon as
 * the client has left: then the fault must not start. The owner's pending count request is
 * untouched: its answer, whenever it comes, is the count's and nothing else's.
 */
export function countedUnlessLeft(counted: Promise<void>, request: Request): Promise<boolean> {
  let signal: AbortSignal | undefined;
  try {
    signal = request.signal;
  } catch {
    // A request without a usable signal: only the count ends the wait, as before.
  }
  if (!signal) return counted.then(() => true);
  if (signal.aborted) return Promise.resolve(false);
  const left = signal;
  return new Promise<boolean>((resolve) => {
    const onLeave = () => resolve(false);
    left.addEventListener("abort", onLeave, { once: true });
    void counted.then(() => {
      left.removeEventListener("abort", onLeave);
      resolve(!left.aborted);
    });
  });
}
