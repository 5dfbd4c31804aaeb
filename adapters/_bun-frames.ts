/**
 * Gathers the frames a Bun hub sends one framework connection in one turn of the event loop into
 * one write. Bun writes each `send` to a WebSocket in its own syscall unless the socket is corked,
 * and a hub relays each HTTP request to a remote mock's connection (a take) from that request's
 * own callback: under load that was one syscall per relayed request. As on Node
 * (`_node-cork.ts`), the first frame of a turn goes out at once (one request in flight waits for
 * nothing); later ones wait for `setImmediate` and leave together under `ws.cork()`.
 * Frames sent from the socket's own message callback go at once: Bun corks a socket during its
 * own callbacks already, and holding those answers cost a framework round trip ~8% more hub CPU
 * at 1 and at 64 in flight (bench/ANALYSIS.md, "Session 6 — remote mocks").
 */
import type { FrameWriter } from "../src/platform.ts";

/** The part of Bun's ServerWebSocket used here. */
interface BunSocket {
  send(data: string): number;
  cork(callback: () => void): unknown;
  getBufferedAmount(): number;
}

/** Counts turns that sent a frame; a writer's stamp from an earlier turn no longer matches. */
let turn = 1;
let flushScheduled = false;
const waiting: TurnWriter[] = [];
/** The socket whose message callback is running, if any (Bun has it corked meanwhile). */
let inCallback: unknown;

class TurnWriter implements FrameWriter {
  readonly #ws: BunSocket;
  #stamp = 0;
  #held: string[] = [];
  #heldBytes = 0;

  constructor(ws: BunSocket) {
    this.#ws = ws;
  }

  get bufferedAmount(): number {
    return this.#heldBytes + this.#ws.getBufferedAmount();
  }

  send(frame: string): void {
    // In its own callback, Bun batches the socket's sends itself; nothing held may be overtaken.
    if (inCallback === this.#ws && this.#held.length === 0) {
      this.#ws.send(frame);
      return;
    }
    if (this.#stamp !== turn) {
      this.#stamp = turn;
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      this.#ws.send(frame);
      return;
    }
    if (this.#held.length === 0) waiting.push(this);
    this.#held.push(frame);
    this.#heldBytes += frame.length;
  }

  flush(): void {
    if (this.#held.length === 0) return;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    this.#ws.cork(() => {
      for (const frame of held) this.#ws.send(frame);
    });
  }
}

function flush(): void {
  flushScheduled = false;
  turn++;
  // A writer flushed early (before its connection closed) holds nothing by now: it skips.
  const writers = waiting.splice(0);
  for (const writer of writers) {
    try {
      writer.flush();
    } catch {
      // Closed meanwhile: its frames are dropped, as a closed socket's sends are.
    }
  }
}

/** Bun's `websocket.message` handler, marking the socket whose callback runs (see the top of the file). */
export function markingCallbacks<S, M>(message: (ws: S, message: M) => unknown): (ws: S, message: M) => unknown {
  return (ws, data) => {
    inCallback = ws;
    try {
      return message(ws, data);
    } finally {
      inCallback = undefined;
    }
  };
}

/** The part of a front connection (`_bun-front.ts`) used here. */
interface FrontCarrier {
  carryFrames(receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number): FrameWriter | undefined;
}

/**
 * A writer for a framework connection: behind the hub's front, the front carries its data frames
 * itself; else the Bun ServerWebSocket under the crossws Bun peer; or `undefined` (not that crossws).
 */
export function directFramesBun(peer: unknown, receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number): FrameWriter | undefined {
  const ws = (peer as { _internal?: { ws?: BunSocket & { data?: { request?: { runtime?: { bun?: { front?: FrontCarrier } } } } } } })._internal?.ws;
  if (typeof ws?.cork !== "function" || typeof ws.send !== "function" || typeof ws.getBufferedAmount !== "function") return undefined;
  return ws.data?.request?.runtime?.bun?.front?.carryFrames(receive, maxUnread, maxText) ?? new TurnWriter(ws);
}
