/**
 * Gathers the small frames written to one socket in one turn of the event loop into one `writev`.
 *
 * `ws` writes every frame with its own syscall, which the bench measured at ~60% of the CPU of a
 * round trip at 64 requests in flight. From the second small frame of a turn on, the TCP socket
 * is corked until `setImmediate` (the check phase, right after the poll phase's I/O callbacks),
 * so frames 2..n leave together; `ws`'s own cork/uncork around a frame nests inside.
 * The turn, not the tick: a hub relays each HTTP request of a read batch to one connection (a
 * remote mock, a registered service) from its own I/O callback, and a flush at `nextTick` wrote
 * one syscall per relayed request (bench, mocks: 2 `writev` per relayed request, now ~1).
 * The first frame goes out at once: with one request in flight there is never a second one, and
 * corking it would only add a deferred write to every round trip.
 * Large frames are written at once: batching them measured slower.
 */
import type { Socket } from "node:net";

const LARGE_FRAME = 16 * 1024;
/** Sockets that sent a small frame this turn; the value says whether they are corked. */
const active = new Map<Socket, boolean>();
let flushScheduled = false;

export function corkForTurn(transport: unknown, size: number): void {
  if (size >= LARGE_FRAME) return;
  const socket = tcpSocket(transport);
  if (!socket || socket.destroyed) return;
  const corked = active.get(socket);
  if (corked === undefined) {
    active.set(socket, false);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  } else if (!corked) {
    active.set(socket, true);
    socket.cork();
  }
}

/** One `setImmediate` per turn for every socket, not one per frame. */
function flush(): void {
  flushScheduled = false;
  for (const [socket, corked] of active) if (corked) socket.uncork();
  active.clear();
}

/** The TCP socket under a crossws Node peer (its `ws` server socket) or a `ws` client socket. */
function tcpSocket(transport: unknown): Socket | undefined {
  const ws = (transport as { _internal?: { ws?: unknown } })._internal?.ws ?? transport;
  return (ws as { _socket?: Socket })._socket;
}
