/**
 * The Deno front's side of a framework connection whose data frames it carries itself
 * (`_front-frames.ts`'s `DirectFrames`, shared with the Bun front): Deno's `Conn.write` is async
 * and may take part of what it is given, so every write to the client (the core's answers, the
 * control frames `Deno.serve` still sends) and to `Deno.serve` (the client's control frames) goes
 * through one ordered queue per direction (`ConnWriter`), whose unwritten bytes are what the core
 * sees as the connection's `bufferedAmount`: a client that does not read fills it until the core
 * drops it (`maxBufferedAmount`).
 */
import type { FrameLink } from "./_front-frames.ts";
import { allocateOutsidePool, type FrameAllocator } from "./_ws-direct.ts";
import { POOLED_FROM, POOLED_UP_TO, giveBackFrameBuffer, takeFrameBuffer } from "./_deno-frame-buffers.ts";

/** The part of a `Deno.Conn` written to. */
export interface WritableConn {
  write(bytes: Uint8Array): Promise<number>;
}

/** Frames queued meanwhile are joined into writes of up to this size (one system call for many small answers). */
const JOIN_BYTES = 16 * 1024;

/** Writes to one connection in the order asked, each whole before the next; what is not written yet is counted. */
export class ConnWriter {
  readonly #conn: WritableConn;
  readonly #failed: () => void;
  #queue: Uint8Array[] = [];
  /** Bytes asked for and not yet taken by the connection (queued, or in the write under way). */
  bytes = 0;
  #writing = false;
  #broken = false;
  #idle: (() => void)[] = [];

  /** `failed`: told once when a write fails (the peer went away); later writes are dropped. */
  constructor(conn: WritableConn, failed: () => void) {
    this.#conn = conn;
    this.#failed = failed;
  }

  /** `owned`: the bytes are the caller's to give away, else copied (the caller reuses its buffer). */
  write(bytes: Uint8Array, owned: boolean): void {
    if (this.#broken || bytes.length === 0) return;
    // `new Uint8Array(bytes)` copies; a Buffer's `slice()` is a view of the caller's memory, not a copy.
    this.#queue.push(owned ? bytes : new Uint8Array(bytes));
    this.bytes += bytes.length;
    // The first write starts here, in the caller's turn: one request in flight waits for nothing.
    if (!this.#writing) void this.#pump();
  }

  /** Resolves once nothing waits to be written (or the connection failed). */
  idle(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const next = this.#next();
        let written = await this.#conn.write(next);
        while (written < next.length) written += await this.#conn.write(next.subarray(written));
        this.bytes -= next.length;
        // Written whole: a large answer's buffer goes back for the next one (`_deno-frame-buffers.ts`).
        giveBackFrameBuffer(next);
      }
    } catch {
      this.#broken = true;
      this.#queue = [];
      this.bytes = 0;
      this.#failed();
    }
    this.#writing = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** The first queued part, joined with those behind it while they fit in `JOIN_BYTES`. */
  #next(): Uint8Array {
    const queue = this.#queue;
    let count = 1;
    let size = queue[0]!.length;
    while (count < queue.length && size + queue[count]!.length <= JOIN_BYTES) size += queue[count++]!.length;
    if (count === 1) return queue.shift()!;
    const joined = new Uint8Array(size);
    let at = 0;
    for (const part of queue.splice(0, count)) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }
}

/** A Deno front connection as `DirectFrames` writes to it: a queue each way. */
export class FrameConn implements FrameLink {
  readonly toClient: ConnWriter;
  readonly toServer: ConnWriter;
  readonly maxMessageSize: number;
  readonly allocate: FrameAllocator = (bytes) => (bytes > POOLED_FROM && bytes <= POOLED_UP_TO ? takeFrameBuffer(bytes) : allocateOutsidePool(bytes));
  readonly #connection: { readonly closed: boolean; reset(): void };

  constructor(connection: { readonly closed: boolean; reset(): void }, client: WritableConn, server: WritableConn, maxMessageSize: number) {
    this.#connection = connection;
    this.maxMessageSize = maxMessageSize;
    // Either side gone ends both: the read loops then find their sockets closed.
    const failed = () => connection.reset();
    this.toClient = new ConnWriter(client, failed);
    this.toServer = new ConnWriter(server, failed);
  }

  get closed(): boolean {
    return this.#connection.closed;
  }

  get toClientBytes(): number {
    return this.toClient.bytes;
  }

  writeClient(bytes: Uint8Array, owned: boolean): void {
    this.toClient.write(bytes, owned);
  }

  writeServer(bytes: Uint8Array): void {
    this.toServer.write(bytes, false);
  }

  reset(): void {
    this.#connection.reset();
  }
}

const SWITCHING = "HTTP/1.1 101";

/**
 * Finds where the first answer's head ends in the bytes `Deno.serve` sends on a connection whose
 * first request is an upgrade: from there on its bytes are WebSocket frames, and the front's own
 * go in between them (`DirectFrames.fromServer`).
 */
export class HeadEnd {
  /** How much of `\r\n\r\n` the bytes so far end with. */
  #matched = 0;
  /** The answer's first bytes, up to the length of `SWITCHING`. */
  #start = "";

  /** The answer is a `101` (read once its head has ended): only then do frames follow it. */
  get switching(): boolean {
    return this.#start === SWITCHING;
  }

  /** Where the head ends in `bytes` (the index after its blank line), or -1 when it goes on. */
  find(bytes: Uint8Array): number {
    for (let i = 0; this.#start.length < SWITCHING.length && i < bytes.length; i++) this.#start += String.fromCharCode(bytes[i]!);
    let matched = this.#matched;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === (matched & 1 ? 10 : 13)) matched++;
      else matched = byte === 13 ? 1 : 0;
      if (matched === 4) return i + 1;
    }
    this.#matched = matched;
    return -1;
  }
}
