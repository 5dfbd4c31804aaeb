/**
 * Gathers the small frames written in one tick into one `writev`.
 *
 * `ws` writes every frame with its own syscall, which the bench measured at ~60% of the CPU of a
 * round trip at 64 requests in flight. Corking the TCP socket at the first small frame of a tick
 * and uncorking it in `process.nextTick` (after the promise jobs that answer the other requests
 * of the same read) sends them together; `ws`'s own cork/uncork around a frame nests inside.
 * Large frames are written at once: batching them measured slower.
 */
import type { Socket } from "node:net";

const LARGE_FRAME = 16 * 1024;
const corked = new WeakSet<Socket>();

export function corkForTick(transport: unknown, size: number): void {
  if (size >= LARGE_FRAME) return;
  const socket = tcpSocket(transport);
  if (!socket || corked.has(socket) || socket.destroyed) return;
  corked.add(socket);
  socket.cork();
  process.nextTick(uncork, socket);
}

function uncork(socket: Socket): void {
  corked.delete(socket);
  socket.uncork();
}

/** The TCP socket under a crossws Node peer (its `ws` server socket) or a `ws` client socket. */
function tcpSocket(transport: unknown): Socket | undefined {
  const ws = (transport as { _internal?: { ws?: unknown } })._internal?.ws ?? transport;
  return (ws as { _socket?: Socket })._socket;
}
