/**
 * A framework connection's WebSocket data frames carried by a hub's front (Bun's `_bun-front.ts`,
 * Deno's `_deno-front.ts` through `_deno-front-frames.ts`) instead of the server behind it: after
 * the `101` the front reads the client's frames itself and hands each message to the core
 * in-process, and writes the core's answers to the client's socket. Relayed through the server,
 * each frame crossed two more sockets and two more callbacks: at one request in flight that was
 * most of what a front cost (bench/ANALYSIS.md, "Session 12 — framework frames through the Bun
 * front", "Session 13 — framework frames through the Deno front"). Hand-written because neither
 * crossws nor Bun nor Deno can be handed a socket the front already holds. The upgrade and every
 * check on it, crossws's `open` and `close`, control frames (pings, the close handshake) and the
 * server's idle timeout stay the server's.
 */
import type { FrameWriter } from "../src/platform.ts";
import { maskedCloseFrame } from "./_ws-client-frames.ts";
import { ClientFrames, LONG_FRAME_TEXT, SHORT_FRAME_TEXT, ServerFrames, longFrameAt, longTextFrameParts, shortFrame, shortFrameAt, shortTextFrame, textFrame, textFrameParts, type FrameAllocator } from "./_ws-direct.ts";

/** A masked pong with no payload, as a client sends it. */
const EMPTY_PONG = new Uint8Array([0x8a, 0x80, 0, 0, 0, 0]);
const SIGN_OF_LIFE_MS = 1000;
/** Frames held for the end of a turn are joined into writes of up to this size; larger ones go alone. */
const JOIN_BYTES = 16 * 1024;

/** The front connection (Bun's `FrontLink`, Deno's `FrameConn`) as `DirectFrames` uses it. */
export interface FrameLink {
  readonly closed: boolean;
  /** Bytes written to the client's socket that it has not taken yet. */
  readonly toClientBytes: number;
  readonly maxMessageSize: number;
  /** `owned`: the bytes are the caller's to give away (not copied if they wait). */
  writeClient(bytes: Uint8Array, owned: boolean): void;
  /**
   * Writes `bytes[start, end)` now, copying what the socket does not take: a short answer is then
   * framed in one buffer reused for all (`shortTextFrame`), not a buffer of its own. Where absent,
   * every frame gets its own buffer (`textFrame`).
   */
  writeClientFrom?(bytes: Uint8Array, start: number, end: number): void;
  writeServer(bytes: Uint8Array): void;
  /** Drops the client's connection and the server's, with no closing handshake. */
  reset(): void;
  /** How an answer's frame is allocated, where the runtime's `Buffer.allocUnsafe` is not the fastest (`_ws-direct.ts`). */
  readonly allocate?: FrameAllocator;
  /**
   * A long answer is framed from its parts (`sendParts`), never joined into one string: ~0.74× the
   * CPU of the 64 KiB answer's string and frame on Bun; on Deno not resolved, once 2× (bench/ANALYSIS.md,
   * "Session 25 (Bun 64 KiB)").
   */
  readonly framesParts?: boolean;
}

/**
 * A framework connection's data frames, carried by the front itself (`_ws-direct.ts`): the
 * upgrade, control frames and the close handshake still go through the server, whose frames the
 * front follows so that its own go in only between them.
 */
export class DirectFrames implements FrameWriter {
  /** `waiting` for the `101` to pass, then `direct`. */
  mode: "waiting" | "direct" = "waiting";
  readonly #link: FrameLink;
  readonly #reader: ClientFrames;
  readonly server: ServerFrames = new ServerFrames();
  readonly #receive: (data: string | Uint8Array) => void;
  /**
   * Frames not written yet: before the `101` passed, while a frame of the server's is part-way
   * through, or after the first of a turn (they leave together when the turn ends, as
   * `_bun-frames.ts` gathers them: one write for the answers to many requests).
   */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The turn (`turn`) whose first frame this connection wrote. */
  #stamp = 0;
  /** In `endOfTurn`'s list. */
  #listed = false;
  /** The client sent a close frame, or broke the protocol: what it sends after is dropped. */
  #done = false;
  /** When the server was last shown the client's activity (`fromClient`). */
  #lastSign = 0;
  readonly #maxUnread: number;

  /**
   * `maxUnread`: what the client may leave unread before the server's own frames (pongs) cut it
   * off. `maxText`: the core's limit on a framework message, closed with 1009 as it arrives (the
   * link's own limit is the server-wide one, larger: past the core's, a message was gathered
   * whole, the core closed the connection, and the messages behind it in the same read were still
   * handed on).
   */
  constructor(link: FrameLink, receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number = link.maxMessageSize) {
    this.#link = link;
    this.#receive = receive;
    this.#maxUnread = maxUnread;
    this.#reader = new ClientFrames(link.maxMessageSize, {
      // Past the server's close frame the peer is closing: the server hands on no more messages either.
      message: (data) => {
        if (!this.server.closing) this.#receive(data);
      },
      control: (frame) => {
        if ((frame[0]! & 0x0f) === 8) this.#done = true;
        link.writeServer(frame);
      },
      fail: (code, reason) => {
        this.#done = true;
        // The server closes as if the client had asked, answers the client, and ends the peer.
        link.writeServer(maskedCloseFrame(code, reason));
      },
    }, maxText);
    if (link.framesParts) {
      this.sendParts = (head, json, tail) => {
        if (link.closed || this.server.closing) return;
        const units = head.length + json.length + tail.length;
        if (link.writeClientFrom && units <= LONG_FRAME_TEXT && this.mode === "direct" && this.server.atBoundary) {
          const first = this.#goesAtOnce();
          // Goes at once (as `#sendFrame` sends it), after what waits: framed in the one reused
          // buffer when the socket holds nothing unsent, so it is written from there and only a
          // part the socket leaves is copied (a frame that queued would be copied whole).
          if (first || units > JOIN_BYTES) {
            this.flushPending();
            if (first) this.#stamp = turn;
            if (link.toClientBytes === 0) link.writeClientFrom(longTextFrameParts(head, json, tail), longFrameAt.start, longFrameAt.end);
            else link.writeClient(textFrameParts(head, json, tail, link.allocate), true);
            return;
          }
        }
        this.#sendFrame(textFrameParts(head, json, tail, link.allocate));
      };
    }
  }

  send(frame: string): void {
    const link = this.#link;
    if (link.closed || this.server.closing) return;
    if (link.writeClientFrom && frame.length <= SHORT_FRAME_TEXT && this.#goesAtOnce()) {
      // At one request in flight every answer is this one: no buffer of its own to make, and later free.
      this.#stamp = turn;
      shortTextFrame(frame);
      link.writeClientFrom(shortFrame, shortFrameAt.start, shortFrameAt.end);
      return;
    }
    this.#sendFrame(textFrame(frame, link.allocate));
  }

  /** Present where the link frames parts (`FrameLink.framesParts`). */
  readonly sendParts?: (head: string, json: string, tail: string) => void;

  #sendFrame(bytes: Uint8Array): void {
    const link = this.#link;
    if (this.#goesAtOnce()) {
      this.#stamp = turn;
      link.writeClient(bytes, true);
      return;
    }
    if (this.mode === "direct" && this.server.atBoundary) {
      if (bytes.length > JOIN_BYTES) {
        // A large frame is a write of its own anyway: holding it only delays it (64 KiB answers
        // held for the turn's end cost the hub more CPU, not less). What waits goes first.
        this.flushPending();
        link.writeClient(bytes, true);
        return;
      }
    }
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (!this.#listed) {
      this.#listed = true;
      endOfTurn.push(this);
      scheduleEndOfTurn();
    }
  }

  /**
   * The turn's first frame goes at once: one request in flight waits for nothing. No
   * `setImmediate` for it: one per answer cost Bun ~4.7 µs and Deno ~0.9 µs of an extra
   * event-loop pass (bench/ANALYSIS.md, "Session 15 — the front"); the next read advances
   * `turn` (`fromClient`), and a frame that finds the turn unchanged waits and schedules it.
   */
  #goesAtOnce(): boolean {
    return this.mode === "direct" && this.server.atBoundary && this.#stamp !== turn && this.#pending.length === 0;
  }

  /** Writes what waits, before the core closes the connection (its close frame comes after). */
  flush(): void {
    this.flushPending();
  }

  /** Called when the turn ends. */
  turnEnded(): void {
    this.#listed = false;
    this.flushPending();
  }

  get bufferedAmount(): number {
    return this.#pendingBytes + this.#link.toClientBytes;
  }

  /**
   * The core drops a slow consumer: the client's connection goes at once, with what waits for it.
   * A close frame from the server would wait behind what the client does not read (Deno's
   * sockets have no `terminate`: the client kept its connection until it left).
   */
  terminate(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#link.reset();
  }

  fromClient(bytes: Uint8Array): void {
    if (this.#done) return;
    // A read begins a new turn: the first answer to what it brings goes at once (`send`).
    turn++;
    // The server no longer sees the client's data, and would drop a client busy sending one long
    // message (that answers no ping meanwhile) as idle: an empty pong (RFC 6455 §5.5.3: allowed
    // unasked) tells it the client is there, at most once a second.
    const now = Date.now();
    if (now - this.#lastSign >= SIGN_OF_LIFE_MS) {
      this.#lastSign = now;
      this.#link.writeServer(EMPTY_PONG);
    }
    this.#reader.feed(bytes);
  }

  /** All the client sent so far is whole messages: none is part-way through (the connection may now be idle). */
  get clientAtBoundary(): boolean {
    return this.#reader.atBoundary;
  }

  /** The server's bytes after the `101`: written as they are, the front's own frames at the first boundary. */
  fromServer(bytes: Uint8Array): void {
    const link = this.#link;
    let from = 0;
    if (this.#pending.length > 0 && !this.server.atBoundary) {
      from = this.server.skim(bytes, 0, true);
      link.writeClient(bytes.subarray(0, from), false);
      if (!this.server.atBoundary) return;
    }
    this.flushPending();
    if (from < bytes.length) {
      this.server.skim(bytes, from, false);
      link.writeClient(from === 0 ? bytes : bytes.subarray(from), false);
    }
    // A client that pings and never reads: the server's pongs would wait here without end (the
    // front keeps reading the server, whose frames must pass the front's own in order). The
    // server alone held them up to its own limit (Bun's backpressureLimit, Deno's socket).
    if (link.toClientBytes > this.#maxUnread) this.terminate();
  }

  /** Writes the frames that wait, small ones joined, unless the `101` or a frame of the server's is still on its way. */
  flushPending(): void {
    if (this.#pending.length === 0 || this.mode !== "direct" || !this.server.atBoundary) return;
    const link = this.#link;
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (link.closed) return;
    let from = 0;
    let size = 0;
    for (let i = 0; i <= pending.length; i++) {
      const next = pending[i];
      if (next && size + next.length <= JOIN_BYTES) {
        size += next.length;
        continue;
      }
      if (i - from === 1) link.writeClient(pending[from]!, true);
      else if (i > from) link.writeClient(joinFrames(pending, from, i, size), true);
      if (!next) break;
      from = i;
      size = next.length;
      if (size > JOIN_BYTES) {
        link.writeClient(next, true);
        from = i + 1;
        size = 0;
      }
    }
  }
}

function joinFrames(frames: Uint8Array[], from: number, to: number, size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let at = 0;
  for (let i = from; i < to; i++) {
    joined.set(frames[i]!, at);
    at += frames[i]!.length;
  }
  return joined;
}

/**
 * Counts turns: advanced by every read of a client's frames and by every end of a turn that held
 * frames. A connection's stamp from an earlier turn no longer matches.
 */
let turn = 1;
let endScheduled = false;
/** Connections with frames held for the end of the turn. */
const endOfTurn: DirectFrames[] = [];

function scheduleEndOfTurn(): void {
  if (endScheduled) return;
  endScheduled = true;
  setImmediate(() => {
    endScheduled = false;
    turn++;
    for (const frames of endOfTurn.splice(0)) frames.turnEnded();
  });
}

