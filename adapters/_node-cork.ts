/**
 * Gathers the small frames written in one tick into one `writev`.
 *
 * `ws` writes every frame with its own syscall, which the bench measured at ~60% of the CPU of a
 * round trip at 64 requests in flight. From the second small frame of a tick on, the TCP socket
 * is corked until `process.nextTick` (after the promise jobs that answer the other requests of the
 * same read), so frames 2..n leave together; `ws`'s own cork/uncork around a frame nests inside.
 * The first frame goes out at once: with one request in flight there is never a second one, and
 * corking it would only add a deferred write to every round trip.
 * Large frames are written at once: batching them measured slower.
 *
 * This runs for every frame on both ends, so its bookkeeping is a stamp on the socket and an
 * array, not a Map: with one frame per tick a Map (set, iterate, clear) cost 0.8–1.3 µs per frame,
 * about as much as the `nextTick` itself (bench/ANALYSIS.md, session 5).
 */
import type { Socket } from "node:net";

const LARGE_FRAME = 16 * 1024;
/** On a socket: the tick it last sent a small frame in; negated once it is corked in that tick. */
const kTick = Symbol("crossipc.corkTick");
type StampedSocket = Socket & { [kTick]?: number };

/** Counts ticks that sent a small frame; a stamp from an earlier tick no longer matches. */
let tick = 1;
let flushScheduled = false;
const corked: Socket[] = [];

export function corkForTick(transport: unknown, size: number): void {
  if (size >= LARGE_FRAME) return;
  const socket = tcpSocket(transport);
  if (!socket || socket.destroyed) return;
  const stamp = socket[kTick];
  if (stamp === tick) {
    socket[kTick] = -tick;
    socket.cork();
    corked.push(socket);
  } else if (stamp !== -tick) {
    socket[kTick] = tick;
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flush);
    }
  }
}

/** One `nextTick` per tick for every socket, not one per frame. */
function flush(): void {
  flushScheduled = false;
  tick++;
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/** The TCP socket under a crossws Node peer (its `ws` server socket) or a `ws` socket. */
function tcpSocket(transport: unknown): StampedSocket | undefined {
  const ws = (transport as { _internal?: { ws?: unknown } })._internal?.ws ?? transport;
  return (ws as { _socket?: StampedSocket })._socket;
}
