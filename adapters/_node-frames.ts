/**
 * A framework connection's messages straight off the `ws` socket under a crossws Node peer.
 *
 * crossws turns every `ws` message into a `Message` object and a hook call, and every answer
 * into an options object for `ws.send`; at one request in flight that is work the original
 * design (plain `ws`) never does. crossws has no option to skip it for one connection, so once
 * it has added its message listener, that listener is swapped for one that hands the text on
 * directly. Everything else stays crossws's: the upgrade, `close` and `error` hooks, the idle
 * heartbeat (its `pong`/`message` listeners that mark the peer alive), `closeAll`.
 * The usual client frames skip `ws`'s Receiver as well (`_node-read-frames.ts`).
 *
 * Small answers are framed here and written to the TCP socket as one buffer (`sendText`).
 */
import { Buffer } from "node:buffer";
import type { FrameWriter } from "../src/platform.ts";
import { textFrame } from "./_ws-direct.ts";
import { readUsualFrames } from "./_node-read-frames.ts";

/** The part of a `ws` WebSocket used here. */
interface WsSocket extends FrameWriter {
  readonly readyState: number;
  listenerCount(event: "message"): number;
  /** `ws`'s own: the TCP socket, and the sender that frames what `send` is given. */
  readonly _socket?: { write(bytes: Uint8Array): unknown; readonly localPort?: number } | null;
  readonly _sender?: { _state?: number; _queue?: unknown[] };
  terminate(): void;
  listeners(event: "message"): Function[];
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): unknown;
  removeListener(event: "message", listener: Function): unknown;
}

const OPEN = 1;
/** `ws`'s sender state when it holds nothing back (no compression or blob in progress). */
const SENDER_IDLE = 0;
/**
 * Texts this long or shorter (1,363 UTF-16 units) have frames under 4 KiB (at most 3 bytes per
 * unit, a 4-byte header), which `Buffer.allocUnsafe` takes from its shared pool: it does below
 * half the pool's size, 8 KiB on Node 20 and 64 KiB on Node 24. Longer answers, not measured this
 * way, go through `ws.send`.
 */
const POOLED_TEXT = Math.floor((Math.min(Buffer.poolSize >>> 1, 4096) - 5) / 3);

/**
 * Writes a small answer as one unmasked text frame in one buffer, straight to `ws`'s TCP socket.
 * `ws.send` makes an options object twice, a header buffer, and writes the header and the text
 * as two chunks (cork, two writes, uncork: a `writev` that turns the string into bytes in C++):
 * 0.7–1.4 µs more per ~130 B answer (medians, Node 20 and 24), measured in process on a loopback
 * socket (bench/ANALYSIS.md, "Session 23"), on the path every round trip waits for. The bytes on the wire are the same.
 * Only while `ws` would have written the frame at once itself: the connection open and its sender
 * holding nothing back (it never does here: the framework path offers no compression), so frames
 * keep their order with `ws`'s own (pongs, the close frame); otherwise, and for long texts, `ws.send`.
 * What is written this way counts in `ws.bufferedAmount` as its own frames do (the socket's
 * buffered bytes), so the slow-consumer limit sees it.
 */
function sendText(ws: WsSocket, text: string): void {
  const socket = ws._socket;
  const sender = ws._sender;
  if (text.length <= POOLED_TEXT && socket && ws.readyState === OPEN && sender?._state === SENDER_IDLE && sender._queue?.length === 0) {
    socket.write(textFrame(text));
    return;
  }
  ws.send(text);
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
    // The usual frames skip `ws`'s Receiver too; the rest, and every protocol error, stay its own.
    readUsualFrames(ws, receive);
  });
  return {
    send: (text: string) => sendText(ws, text),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    terminate: () => ws.terminate(),
    // Where `corkForTick` (./_node-cork.ts) finds the TCP socket to batch on, as on a `ws` socket.
    get _socket() {
      return ws._socket;
    },
  } as FrameWriter;
}
