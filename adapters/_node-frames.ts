/**
 * A framework connection's messages straight off the `ws` socket under a crossws Node peer.
 *
 * crossws turns every `ws` message into a `Message` object and a hook call, and every answer
 * into an options object for `ws.send`; at one request in flight that is work the original
 * design (plain `ws`) never does. crossws has no option to skip it for one connection, so once
 * it has added its message listener, that listener is swapped for one that hands the text on
 * directly. Everything else stays crossws's: the upgrade, `close` and `error` hooks, the idle
 * heartbeat (its `pong`/`message` listeners that mark the peer alive), `closeAll`.
 */
import type { Buffer } from "node:buffer";
import type { FrameWriter } from "../src/platform.ts";

/** The part of a `ws` WebSocket used here. */
interface WsSocket extends FrameWriter {
  listeners(event: "message"): Function[];
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): unknown;
  removeListener(event: "message", listener: Function): unknown;
}

export function directFramesNode(peer: unknown, receive: (data: string | Uint8Array) => void): FrameWriter | undefined {
  const ws = (peer as { _internal?: { ws?: WsSocket } })._internal?.ws;
  if (typeof ws?.listeners !== "function" || typeof ws.send !== "function") return undefined;
  // Called from crossws's `open` hook, which runs before crossws adds its own message listener
  // (in the same synchronous `connection` handler). A microtask later that listener is there,
  // and no message can have come yet: `ws` starts reading the socket in a `nextTick`, after the
  // microtask queue has drained. Were one to come first, crossws's hook would carry it the same way.
  const before = new Set(ws.listeners("message"));
  queueMicrotask(() => {
    const added = ws.listeners("message").filter((listener) => !before.has(listener));
    // Not the crossws this was written against: leave its listener, which keeps every message.
    if (added.length !== 1) return;
    ws.removeListener("message", added[0]!);
    ws.on("message", (data, isBinary) => receive(isBinary ? data : data.toString()));
  });
  return ws;
}
