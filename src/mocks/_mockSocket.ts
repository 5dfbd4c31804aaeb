/**
 * The socket an `interceptWebSocket` handler plays the server with, in the test's process: what
 * the client sends arrives at `onMessage` (text as string, binary as Uint8Array), what the
 * handler sends goes to the client, and either side's close arrives with its code and reason.
 */
import { quoted } from "../_excerpt.ts";
import { utf8Length } from "../_utf8.ts";
import { isSendableCloseCode, MAX_CLOSE_REASON_BYTES } from "../_closeCode.ts";
import { heldFrameSize } from "../_heldFrame.ts";
import { fromBase64 } from "./_wire.ts";
import { toBase64 } from "../_base64.ts";
import { SocketMessages, type SocketClose, type SocketFrame } from "./_wsWire.ts";

export interface MockWebSocket {
  /** Sends a frame to the client: a string as text, bytes as binary; once the socket is closed the frame is dropped. */
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  /** Closes the client's socket (code 1000 and 3000–4999, or 1001–1014 but 1004–1006; a reason of at most 123 bytes); another code or reason throws a RangeError. */
  close(code?: number, reason?: string): void;
  /** Frames from the client, in order; those that came before a callback was set are given to it then. */
  onMessage(callback: (data: string | Uint8Array) => void): void;
  /** Once, when the client closed (its code and reason) or the socket ended otherwise. */
  onClose(callback: (code: number, reason: string) => void): void;
  /** True until either side closed. */
  readonly open: boolean;
}

/** What the socket needs from the connection. */
export interface SocketLink {
  notify(name: string, payload: unknown): void;
  /** The hub's framework message limit. */
  readonly maxMessageSize: number;
}

/**
 * The bytes of a binary frame: an ArrayBuffer or any view of one (a Uint8Array, a Node Buffer, a
 * DataView), as a WebSocket's own send() takes. Anything else was sent as an empty or garbled
 * binary frame (an object as 0 bytes, the number 5 as 5 zero bytes).
 */
function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  // `instanceof` misses an ArrayBuffer of another realm (vitest's vm pools, a vm context).
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") return new Uint8Array(data as ArrayBuffer);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`send: a frame is a string (text) or an ArrayBuffer or a view of one (binary), got ${data === null ? "null" : typeof data === "object" ? "an object (JSON.stringify it to send it as text)" : quoted(data)}`);
}

export class LocalSocket implements MockWebSocket {
  readonly #id: number;
  readonly #link: SocketLink;
  #onMessage: ((data: string | Uint8Array) => void) | undefined;
  #onClose: ((code: number, reason: string) => void) | undefined;
  #queued: Array<string | Uint8Array> = [];
  /** What `#queued` holds: characters of text, bytes of binary frames, and each frame's own cost (../_heldFrame.ts). */
  #queuedSize = 0;
  #closed: { code: number; reason: string } | undefined;
  #open = true;

  constructor(id: number, link: SocketLink) {
    this.#id = id;
    this.#link = link;
  }

  get open(): boolean {
    return this.#open;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    const message: SocketFrame = typeof data === "string" ? { socket: this.#id, text: data } : { socket: this.#id, base64: toBase64(bytesOf(data)) };
    const size = "text" in message ? message.text.length * 3 : message.base64.length;
    if (size > this.#link.maxMessageSize - 1024) {
      throw new RangeError(`A ${size}-byte frame is over what the hub's maxMessageSize (${this.#link.maxMessageSize} bytes) lets through`);
    }
    // Dropped once closed, as a browser's WebSocket.send() and `ws`'s drop a frame on a closed
    // socket: mocks now close at their scope's end, and a handler sending on a timer would
    // otherwise throw in the test process after every test (`open` tells, `onClose` says when).
    if (!this.#open) return;
    this.#link.notify(SocketMessages.send, message);
  }

  close(code?: number, reason?: string): void {
    // Checked before anything is sent, as a WebSocket's own close() does: relayed, a code the
    // client may not be sent ended its socket with 1006 and no reason, and the mock stayed open.
    if (code !== undefined && !isSendableCloseCode(code)) {
      throw new RangeError(`close: the code must be one a WebSocket may send (1000–1014 but 1004–1006, or 3000–4999), got ${quoted(code)}`);
    }
    if (reason !== undefined && (typeof reason !== "string" || utf8Length(reason) > MAX_CLOSE_REASON_BYTES)) {
      throw new RangeError(`close: the reason must be a string of at most ${MAX_CLOSE_REASON_BYTES} bytes of UTF-8, got ${typeof reason === "string" ? `${utf8Length(reason)} bytes` : quoted(reason)}`);
    }
    if (!this.#open) return;
    this.#open = false;
    this.#link.notify(SocketMessages.close, { socket: this.#id, code, reason } satisfies SocketClose);
  }

  onMessage(callback: (data: string | Uint8Array) => void): void {
    this.#onMessage = callback;
    const queued = this.#queued;
    this.#queued = [];
    this.#queuedSize = 0;
    for (const data of queued) callback(data);
  }

  onClose(callback: (code: number, reason: string) => void): void {
    this.#onClose = callback;
    if (this.#closed) callback(this.#closed.code, this.#closed.reason);
  }

  /** @internal A frame from the client. */
  received(frame: SocketFrame): void {
    const data = "text" in frame ? frame.text : fromBase64(frame.base64);
    if (this.#onMessage) return this.#onMessage(data);
    // Frames are kept for an `onMessage` to come (a handler that awaits before it listens), but
    // not for ever: a handler that never listens kept every frame a client sent, and a client
    // that floods (any page or process that reaches the hub) grew the test's process without
    // bound (1 GiB sent, 1.25 GiB held). Past one message's worth, the socket is closed as a
    // client that stops reading is (1013) and what waited is let go.
    if (!this.#open) return;
    // Text by its length in characters (what JavaScript holds it in: 1-2 bytes each), binary in
    // bytes, each frame also for holding it: empty frames were free, and a flood of them unbounded.
    this.#queuedSize += heldFrameSize(data);
    if (this.#queuedSize > this.#link.maxMessageSize) {
      this.#queued = [];
      this.#queuedSize = 0;
      this.close(1013, "The mock reads no messages");
      return;
    }
    this.#queued.push(data);
  }

  /** @internal The client closed, or the connection to the hub went. */
  ended(code: number, reason: string): void {
    if (this.#closed) return;
    this.#open = false;
    this.#closed = { code, reason };
    this.#onClose?.(code, reason);
  }
}
