/**
 * Gathers the small frames written to one socket into one `writev`.
 *
 * `ws` writes every frame with its own syscall, which the bench measured at ~60% of the CPU of a
 * round trip at 64 requests in flight. From the second small frame of a batch on, the TCP socket
 * is corked until the batch ends, so frames 2..n leave together; `ws`'s own cork/uncork around a
 * frame nests inside. The first frame goes out at once: with one request in flight there is never
 * a second one, and corking it would only add a deferred write to every round trip.
 * Large frames are written at once: batching them measured slower.
 *
 * What ends a batch depends on where its frames come from (`BatchScope`):
 * - `"turn"`: one turn of the event loop (from one check phase to the next), ended by a
 *   `setImmediate`. A hub relays each HTTP request of a read batch to one connection (a remote
 *   mock, a registered service) from that request's own I/O callback, and a flush any earlier
 *   wrote one syscall per relayed request (bench, mocks: 2 `writev` per relayed request, now
 *   ~1.08; bench/ANALYSIS.md, "Session 5 — remote mocks").
 * - `"run"` (answers): the first frame of a synchronous run goes out at once and only a microtask
 *   marks the run's end; a second frame in the same run means a read brought several requests,
 *   and from it on the socket batches for the rest of the turn as above. At one request in flight
 *   every answer is a first frame, and the microtask costs a fifth of the `setImmediate` it saves
 *   (0.2 against 1 µs; bench/ANALYSIS.md, "Session 6 — one in flight").
 *
 * This runs for every frame on both ends, so its bookkeeping is a stamp on the socket and an
 * array, not a Map: with one frame per tick a Map (set, iterate, clear) cost 0.8–1.3 µs per frame,
 * about as much as a `nextTick` (bench/ANALYSIS.md, session 5).
 */
import type { Socket } from "node:net";
import type { BatchScope } from "../src/platform.ts";

const LARGE_FRAME = 16 * 1024;
/** On a socket: the turn it last sent a small frame in; negated once it is corked in that turn. */
const kTick = Symbol("crossipc.corkTick");
/** On a socket: the run it last sent a first frame of a run in. */
const kRun = Symbol("crossipc.corkRun");
type StampedSocket = Socket & { [kTick]?: number; [kRun]?: number };

/** Counts turns that sent a small frame; a stamp from an earlier turn no longer matches. */
let tick = 1;
let flushScheduled = false;
const corked: Socket[] = [];
/** Counts runs that sent a first frame (`"run"` scope). */
let run = 1;
let runEndScheduled = false;

export function corkForTick(transport: unknown, size: number, scope: BatchScope = "turn"): void {
  if (size >= LARGE_FRAME) return;
  const socket = tcpSocket(transport);
  if (!socket || socket.destroyed) return;
  const stamp = socket[kTick];
  if (stamp === -tick) return; // corked already in this turn
  // A second frame of the turn, or of the run (a run is part of one turn) whatever its scope:
  // the socket gathers the rest of the turn, this frame on.
  if (stamp === tick || socket[kRun] === run) return cork(socket);
  if (scope === "run") {
    socket[kRun] = run;
    if (!runEndScheduled) {
      runEndScheduled = true;
      queueMicrotask(endRun);
    }
    return;
  }
  socket[kTick] = tick;
  scheduleFlush();
}

function cork(socket: StampedSocket): void {
  socket[kTick] = -tick;
  socket.cork();
  corked.push(socket);
  scheduleFlush();
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flush);
}

/** One `setImmediate` per turn for every socket, not one per frame. */
function flush(): void {
  flushScheduled = false;
  tick++;
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/** The run is over (its microtasks ran): a stamp from it no longer matches. */
function endRun(): void {
  runEndScheduled = false;
  run++;
}

/** The TCP socket under a crossws Node peer (its `ws` server socket) or a `ws` socket. */
function tcpSocket(transport: unknown): StampedSocket | undefined {
  const ws = (transport as { _internal?: { ws?: unknown } })._internal?.ws ?? transport;
  return (ws as { _socket?: StampedSocket })._socket;
}
