/**
 * A framework connection's frames written by the TCP front straight to the client, past the
 * WebSocket of the server behind it (a Deno hub: `Deno.serve`'s socket, the loopback connection
 * and the front's copy of it). Behind the front every frame the hub sent crossed two more sockets
 * and four more runtime operations, and `Deno.serve` wrote each in its own syscall: a take relayed
 * to a remote mock cost the hub about twice a local route's CPU (bench/ANALYSIS.md, "Session 6 —
 * remote mocks").
 *
 * Everything else stays the server's: the upgrade, its pings and pongs, the close handshake,
 * and the client's frames (the front still copies those to the server). The server's bytes and
 * the front's own frames share the client's connection, so one writer orders them: the front's
 * frames go only where a server frame ends (`ServerFrameTrack`), in the order they were sent
 * relative to what the server sent after them. Frames sent while a write is in progress leave
 * together in one write, as Node's `corkForTick` batches a turn's frames.
 */
import type { FrameWriter } from "../src/platform.ts";
import { ServerFrameTrack, textFrame } from "./_ws-server-frames.ts";

/** What the writer needs of the client's connection. */
export interface ClientSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Frames waiting are joined into one write up to this many bytes; larger batches go frame by frame. */
const JOIN_BYTES = 64 * 1024;
const MODE = (globalThis as any).Deno?.env?.get?.("FRONT_FLUSH") ?? "write";

export class FrontFrames implements FrameWriter {
  readonly #client: ClientSink;
  readonly #track = new ServerFrameTrack();
  /** The front's own frames not yet written. */
  #frames: Uint8Array[] = [];
  #framesBytes = 0;
  /** Bytes of the write in progress. */
  #writing = 0;
  /** A chunk of the server's waiting for its turn, and who waits for it. */
  #relay: { bytes: Uint8Array; done: (error?: unknown) => void } | undefined;
  #pumping = false;
  #failed: unknown;
  /** Frames held for the end of the turn: sent after the turn's first. */
  #held: Uint8Array[] = [];
  #turn = false;
  readonly #onError: () => void;

  /** `onError`: the client's connection failed (the front ends it). */
  constructor(client: ClientSink, onError: () => void) {
    this.#client = client;
    this.#onError = onError;
  }

  /** Bytes sent and not yet handed to the network (the hub's slow-consumer check reads it). */
  get bufferedAmount(): number {
    return this.#framesBytes + this.#writing;
  }

  /** Sends one text message to the client. Once the connection failed, what is sent is dropped (a closing socket's sends are). */
  send(message: string): void {
    if (this.#failed !== undefined) return;
    const frame = textFrame(message);
    this.#framesBytes += frame.length;
    if (this.#turn) {
      this.#held.push(frame);
      return;
    }
    this.#turn = true;
    if (MODE === "timer") setTimeout(this.#endTurn, 0);
    else if (MODE === "micro") queueMicrotask(this.#endTurn);
    else this.#turn = false;
    this.#frames.push(frame);
    if (!this.#pumping) void this.#pump();
  }

  readonly #endTurn = (): void => {
    this.#turn = false;
    if (this.#held.length === 0) return;
    for (const frame of this.#held) this.#frames.push(frame);
    this.#held = [];
    if (!this.#pumping && this.#failed === undefined) void this.#pump();
  };

  /** Writes a chunk of the server's bytes in its turn; resolves once written (the copy reads on then). */
  relay(bytes: Uint8Array): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#relay = { bytes, done: (error) => (error === undefined ? resolve() : reject(error)) };
      if (!this.#pumping) void this.#pump();
    });
  }

  /**
   * One writer at a time. The front's frames go first when they may (at a server frame's end):
   * they were sent before the server's chunk waiting now was read. Mid-frame, the server's chunk
   * goes first: the frame it continues must end before anything else is written.
   */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (;;) {
        if (this.#frames.length > 0 && this.#track.atBoundary) {
          await this.#writeFrames();
          continue;
        }
        const relay = this.#relay;
        if (!relay) break;
        this.#relay = undefined;
        try {
          await this.#write(relay.bytes);
        } catch (error) {
          relay.done(error);
          throw error;
        }
        this.#track.feed(relay.bytes);
        relay.done();
      }
    } catch (error) {
      this.#failed = error;
      this.#frames = [];
      this.#framesBytes = 0;
      this.#relay?.done(error);
      this.#relay = undefined;
      this.#onError();
    } finally {
      this.#pumping = false;
    }
  }

  async #writeFrames(): Promise<void> {
    const frames = this.#frames;
    this.#frames = [];
    const total = this.#framesBytes;
    this.#framesBytes = 0;
    this.#writing = total;
    try {
      if (frames.length === 1) return await this.#write(frames[0]!);
      if (total <= JOIN_BYTES) {
        const joined = new Uint8Array(total);
        let at = 0;
        for (const frame of frames) {
          joined.set(frame, at);
          at += frame.length;
        }
        return await this.#write(joined);
      }
      for (const frame of frames) {
        await this.#write(frame);
        this.#writing -= frame.length;
      }
    } finally {
      this.#writing = 0;
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    for (let written = await this.#client.write(bytes); written < bytes.length; written += await this.#client.write(bytes.subarray(written)));
  }
}
