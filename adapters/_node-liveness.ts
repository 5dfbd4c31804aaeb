/**
 * Node: any byte a WebSocket peer sends counts as life for the heartbeat, not only whole messages.
 *
 * crossws's Node heartbeat marks a peer alive (`ws._isAlive`) on a message, ping or pong, and
 * drops one still unmarked at its next sweep. A peer sending one long message on a slow link
 * (tens of MiB) sends no whole message, and its pong waits behind that message's frame: it was
 * dropped while busy sending. Here `_isAlive` also reads true when the socket's `bytesRead` moved
 * since the sweep last asked: read at the sweep only, so no work is added per chunk or frame (and
 * crossws's mark on each message, which the bytes imply, is taken off).
 */

interface CrosswsNodeSocket {
  _isAlive?: boolean;
  _socket?: { readonly bytesRead: number };
  listeners(event: "message"): Function[];
  removeListener(event: "message", listener: Function): unknown;
}

/** Counts the bytes of crossws Node `peer` as life; leaves a peer without crossws's heartbeat alone. */
export function countBytesAsLife(peer: unknown): void {
  const ws = (peer as { _internal?: { ws?: CrosswsNodeSocket } })._internal?.ws;
  const socket = ws?._socket;
  // No heartbeat (`heartbeat: 0`), or not the crossws this was written against.
  if (ws === undefined || typeof ws._isAlive !== "boolean" || typeof socket?.bytesRead !== "number") return;
  let alive = ws._isAlive;
  let seen = socket.bytesRead;
  Object.defineProperty(ws, "_isAlive", {
    configurable: true,
    get(): boolean {
      const read = socket.bytesRead;
      if (read === seen) return alive;
      seen = read;
      return true;
    },
    set(value: boolean) {
      alive = value;
    },
  });
  // crossws's per-message mark is now implied by the bytes of the message: one call less per message.
  for (const listener of ws.listeners("message")) if (listener.name === "markAlive") ws.removeListener("message", listener);
}

/** The bytes a client WebSocket of the `ws` package has read so far, or `undefined` for another WebSocket. */
export function bytesReceivedNode(ws: unknown): number | undefined {
  const read = (ws as { _socket?: { bytesRead?: unknown } })._socket?.bytesRead;
  return typeof read === "number" ? read : undefined;
}
