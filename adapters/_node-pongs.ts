/**
 * Node: a WebSocket client that pings and never reads is cut off once `maxUnread` bytes wait for it.
 *
 * `ws` answers every ping with a pong whatever the client has left unread, and the core counts
 * only what it sends itself: a client that sent 96 MiB of pings and read nothing kept their pongs
 * in the hub (376 MB of memory). Checked when a ping comes, the only time a pong is added.
 */

interface WsPeerSocket {
  readonly bufferedAmount: number;
  on(event: "ping", listener: () => void): unknown;
  terminate(): void;
}

/** Bounds the pongs queued for crossws Node `peer`; leaves a peer of another crossws alone. */
export function boundPongs(peer: unknown, maxUnread: number): void {
  const ws = (peer as { _internal?: { ws?: WsPeerSocket } })._internal?.ws;
  if (typeof ws?.on !== "function" || typeof ws.terminate !== "function") return;
  ws.on("ping", () => {
    if (ws.bufferedAmount > maxUnread) ws.terminate();
  });
}
