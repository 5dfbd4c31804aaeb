/**
 * A framework connection's messages straight from `Bun.serve`'s `message` handler.
 *
 * crossws's Bun adapter looks the peer up and builds a `Message` object and a hook call for every
 * message; the framework path needs none of it. Bun's WebSocket handlers are ours to write
 * (adapters/bun.ts builds them), so a framework connection's messages are handed on where they
 * arrive; everything else (the upgrade, open, close, drain, ping/pong, other paths) stays crossws's.
 */
import type { FrameWriter } from "../src/platform.ts";

/** The part of Bun's `ServerWebSocket` used here. */
export interface BunSocket {
  data: { frames?: (data: string | Uint8Array) => void };
  /** Bytes sent, -1 when queued behind unsent data (backpressure), 0 when dropped. */
  send(data: string): number;
  getBufferedAmount(): number;
}

export function directFramesBun(peer: unknown, receive: (data: string | Uint8Array) => void): FrameWriter | undefined {
  const ws = (peer as { _internal?: { ws?: BunSocket } })._internal?.ws;
  if (!ws?.data || typeof ws.getBufferedAmount !== "function") return undefined;
  ws.data.frames = receive;
  let sent = 0;
  return {
    send(frame) {
      sent = ws.send(frame);
    },
    // A frame Bun sent whole left nothing queued: the native call is needed only after one it queued.
    get bufferedAmount() {
      return sent > 0 ? 0 : ws.getBufferedAmount();
    },
  };
}

/** Bun's `message` handler: a framework connection's own receiver, else crossws's. */
export function frameMessages(crossws: (ws: BunSocket, message: string | Uint8Array) => void) {
  return (ws: BunSocket, message: string | Uint8Array): void => {
    const frames = ws.data.frames;
    if (frames) frames(message);
    else crossws(ws, message);
  };
}
