/**
 * The socket an `interceptWebSocket` handler plays the server with, in the test's process: what
 * the client sends arrives at `onMessage` (text as string, binary as Uint8Array), what the
 * handler sends goes to the client, and either side's close arrives with its code and reason.
 */
import { IPCError } from "../errors.ts";
import { fromBase64, toBase64 } from "./_wire.ts";
import { SocketMessages, type SocketClose, type SocketFrame } from "./_wsWire.ts";

export interface MockWebSocket {
  /** Sends a frame to the client: a string as text, bytes as binary. */
  send(data: string | ArrayBuffer | Uint8Array): void;
  /** Closes the client's socket (code 1000 and 3000–4999, or 1001–1014 but 1004–1006). */
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

export class LocalSocket implements MockWebSocket {
  readonly #id: number;
  readonly #link: SocketLink;
  #onMessage: ((data: string | Uint8Array) => void) | undefined;
  #onClose: ((code: number, reason: string) => void) | undefined;
  #queued: Array<string | Uint8Array> = [];
  #closed: { code: number; reason: string } | undefined;
  #open = true;

  constructor(id: number, link: SocketLink) {
    this.#id = id;
    this.#link = link;
  }

  get open(): boolean {
    return this.#open;
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
    if (!this.#open) throw new IPCError("ERR_IPC_CLOSED", "The mocked WebSocket is closed");
    const message: SocketFrame =
      typeof data === "string" ? { socket: this.#id, text: data } : { socket: this.#id, base64: toBase64(data instanceof Uint8Array ? data : new Uint8Array(data)) };
    const size = "text" in message ? message.text.length * 3 : message.base64.length;
    if (size > this.#link.maxMessageSize - 1024) {
      throw new RangeError(`A ${size}-byte frame is over what the hub's maxMessageSize (${this.#link.maxMessageSize} bytes) lets through`);
    }
    this.#link.notify(SocketMessages.send, message);
  }

  close(code?: number, reason?: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#link.notify(SocketMessages.close, { socket: this.#id, code, reason } satisfies SocketClose);
  }

  onMessage(callback: (data: string | Uint8Array) => void): void {
    this.#onMessage = callback;
    const queued = this.#queued;
    this.#queued = [];
    for (const data of queued) callback(data);
  }

  onClose(callback: (code: number, reason: string) => void): void {
    this.#onClose = callback;
    if (this.#closed) callback(this.#closed.code, this.#closed.reason);
  }

  /** @internal A frame from the client. */
  received(frame: SocketFrame): void {
    const data = "text" in frame ? frame.text : fromBase64(frame.base64);
    if (this.#onMessage) this.#onMessage(data);
    else this.#queued.push(data);
  }

  /** @internal The client closed, or the connection to the hub went. */
  ended(code: number, reason: string): void {
    if (this.#closed) return;
    this.#open = false;
    this.#closed = { code, reason };
    this.#onClose?.(code, reason);
  }
}
