/**
 * A remote fault's wait for its owner to take the count (../mocks/_countAck.ts), ended by the
 * client leaving. The wait lasts a round trip to the owner, up to `proxyTimeout` when the owner
 * stalls; a client that left meanwhile had its fault started afterwards: a `status` answer nobody
 * read, a `bandwidth` fault's take sending the request on to the service, a `reset` of a
 * connection already gone.
 */
import { whenClientLeaves } from "../mocks/_clientLeaves.ts";

/**
 * Resolves `true` once the owner took the count (or its wait ended otherwise), `false` as soon as
 * the client has left: then the fault must not start. The owner's pending count request is
 * untouched: its answer, whenever it comes, is the count's and nothing else's. How a client's
 * leaving is seen on each runtime is ../mocks/_clientLeaves.ts's, as for a relayed request.
 */
export function countedUnlessLeft(counted: Promise<void>, request: Request): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    // Called at once when the client is gone already; a request without a usable signal: only the count ends the wait.
    const callOff = whenClientLeaves(request, () => resolve(false));
    void counted.then(() => {
      callOff();
      resolve(true);
    });
  });
}
