/**
 * A remote rule's count (a fault's `hits`, a replay's `matched`/`missed`), told to the process that
 * owns it as a request, which the hub waits on before it answers the counted request. A message,
 * flushed before the answer, was not enough: Bun's test process read the `fetch`'s answer before
 * a WebSocket message whose frame came first (27 of 750 reads behind over Node, Bun and Deno hubs,
 * test/node/remote-counts.test.ts), and a Node process now and then (1 of 750). Once the owner has answered, its handler has run: the count is there for whatever the
 * test does with the answer.
 */
import type { IPCSocket } from "../IPCSocket.ts";

/**
 * Unanswered requests the hub may have out to one owner (`pendingCount` counts every kind) before it
 * stops asking that owner for counts; other requests to it are not held back.
 */
const MAX_UNANSWERED = 1_000;

/**
 * Sends `count` to `owner` and resolves once it answered, failed (an old client that does not
 * know the request) or `timeoutMs` passed; never rejects, so that the counted request goes on
 * whatever happens. Undefined (nothing to wait for) when the owner is gone: its rules are going too.
 * The pending request lives only until then, one per counted request in flight.
 */
export function tellCount(owner: Pick<IPCSocket, "isConnected" | "request" | "pendingCount">, path: string, count: unknown, timeoutMs: number): Promise<void> | undefined {
  if (!owner.isConnected()) return undefined;
  // An owner that reads the requests but answers none (a stalled or hostile process) would have
  // one pending here per counted request for `proxyTimeout` each, however many requests pass.
  // Past the bound the request goes on at once, untold: a count is a running total, so the next
  // one told carries it.
  if (owner.pendingCount >= MAX_UNANSWERED) return undefined;
  // `request` rejects (never throws) when the socket closed meanwhile or the payload cannot be framed.
  return owner.request(path, count, timeoutMs).then(ignore, ignore);
}

function ignore(): void {}
