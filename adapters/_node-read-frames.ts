/**
 * Node: a framework connection's usual frames are read by crossipc; everything else by `ws`'s Receiver.
 * On the server (a client's masked frames) and in `IPCClient` (the server's unmasked ones).
 *
 * `ws` hands every chunk the TCP socket reads to its `Receiver`, a Writable stream: a `write` with
 * its bookkeeping (and a `nextTick` after each chunk), a Buffer view for the header, the mask and
 * the payload, the payload gathered into a list and joined, then a `message` event on the
 * Receiver and another on the WebSocket, whose listener turns the Buffer into a string. For a
 * ~150 B request that measured 1.06–1.30 µs per frame in process against 0.37–0.61 for crossipc's
 * own reader (bench/ANALYSIS.md, "Session 23"), on the path every round trip waits for.
 *
 * So the Receiver's `write` is wrapped for one connection: while the Receiver stands between two
 * messages with nothing held, each frame at the front of the chunk that is whole, final, masked,
 * text, within `ws`'s own size limit and valid UTF-8 is unmasked, decoded and handed on here. At the
 * first frame that is anything else (a control frame, a fragment, binary, a frame split across
 * reads, an oversized or non-UTF-8 one) the rest of the chunk goes to `ws`'s own `write`, and every
 * later chunk too until the Receiver is between messages again. What a client gets wrong is
 * therefore met by `ws` itself, with its own close codes, error events and log lines, and pings,
 * pongs and the close handshake stay its own: nothing here decides any of them. Not ClientFrames
 * (./_ws-direct.ts): that closes on its own terms (its codes and reasons), which are not `ws`'s.
 */
import type { Buffer } from "node:buffer";

/** The part of `ws`'s Receiver (a Writable) used here: its parser's state between chunks. */
interface WsReceiver {
  write(chunk: Buffer): boolean;
  /** The parser's step: 0 waits for a frame header. */
  readonly _state: number;
  /** Bytes held for a frame not yet whole. */
  readonly _bufferedBytes: number;
  /** The opcode of a fragmented message in progress, else 0. */
  readonly _fragmented: number;
  readonly _errored: boolean;
  /** The last frame's opcode: 8 once the client's close frame came (the Receiver then reads nothing more). */
  readonly _opcode: number;
  /** `ws`'s `maxPayload`; 0 or less: no limit. */
  readonly _maxPayload: number;
  /** Messages emitted as each frame is parsed (ws's default), not a `setImmediate` later. */
  readonly _allowSynchronousEvents: boolean;
  /** Negotiated extensions (permessage-deflate): none on the framework path. */
  readonly _extensions: object;
  /** The Writable's own: bytes written and not yet taken, and whether `end()` was called. */
  readonly _writableState: { readonly length: number; readonly ending: boolean };
}

/** The part of a `ws` WebSocket used here. */
interface WsSocket {
  readonly _receiver?: WsReceiver | null;
  /** The TCP socket: its local port tells which server took the connection. */
  readonly _socket?: { readonly localPort?: number } | null;
  listenerCount(event: "message"): number;
}

/**
 * Frames up to this many payload bytes are read here. Past ~1 KB `ws` with `bufferutil` (native
 * unmasking) caught up with this JavaScript: in process, Node 20, 1,000 B 1.12 µs in `ws` against
 * 0.76 here, 2,000 B 1.10 against 1.16 (bench/ANALYSIS.md, "Session 24").
 */
export const FAST_BYTES = 1024;

/**
 * Tests only, not a setting: the ports of servers whose connections leave every frame to `ws`, as
 * before this reader, so that test/node/node-read-frames-fuzz.test.ts can send the same streams to
 * a server with it and one without, side by side in one process, and compare what each did.
 */
export const wsReadsAllOnPorts: Set<number> = new Set();

/**
 * Reads the usual frames of `ws` (a crossws Node peer's `ws` WebSocket) here and gives each text
 * to `receive`, in order with the messages `ws` reads. Only when `receive`'s listener is the only
 * `message` listener (the hand-off of `directFramesNode`), as then nothing else would see the
 * messages taken here. Returns whether it did; otherwise `ws` reads everything, as before.
 * `from: "server"`: `ws` is a client's (an `IPCClient`'s own), whose frames come unmasked
 * (RFC 6455 §5.1); a masked one is `ws`'s to refuse, as an unmasked one is on a server.
 */
export function readUsualFrames(ws: WsSocket, receive: (text: string) => void, from: "client" | "server" = "client"): boolean {
  const receiver = ws._receiver;
  if (!receiver || typeof receiver.write !== "function" || ws.listenerCount("message") !== 1) return false;
  if (from === "client" && wsReadsAllOnPorts.size > 0 && wsReadsAllOnPorts.has(ws._socket?.localPort ?? -1)) return false;
  // Not the `ws` this was written against, or one configured otherwise: leave it all to `ws`.
  if (receiver._allowSynchronousEvents !== true || typeof receiver._state !== "number" || typeof receiver._bufferedBytes !== "number") return false;
  if (typeof receiver._fragmented !== "number" || typeof receiver._maxPayload !== "number" || typeof receiver._writableState?.length !== "number") return false;
  if (Object.keys(receiver._extensions ?? {}).length !== 0 || Object.hasOwn(receiver, "write")) return false;
  const write = receiver.write;
  const maxPayload = receiver._maxPayload;
  const masked = from === "client";
  // The frame's header: 2 bytes, then a client's 4-byte mask key; a 16-bit length adds 2 before the key.
  const head = masked ? 6 : 2;
  const maskBit = masked ? 0x80 : 0;
  receiver.write = function (this: WsReceiver, chunk: Buffer): boolean {
    const between = this._state === 0 && this._bufferedBytes === 0 && this._fragmented === 0 && !this._errored && this._opcode !== 8 && this._writableState.length === 0 && !this._writableState.ending;
    if (!between || typeof chunk === "string") return write.call(this, chunk);
    const end = chunk.length;
    let pos = 0;
    while (end - pos >= head) {
      const b1 = chunk[pos + 1]!;
      // FIN and text with no reserved bits; masked from a client, unmasked from a server (`ws` closes
      // on the other); a 7- or 16-bit length.
      if (chunk[pos] !== 0x81 || (b1 & 0x80) !== maskBit) break;
      let size = b1 & 0x7f;
      let start = pos + head;
      if (size === 126) {
        if (end - pos < head + 2) break;
        size = (chunk[pos + 2]! << 8) | chunk[pos + 3]!;
        start = pos + head + 2;
      } else if (size === 127) break;
      // Past `ws`'s limit it closes with 1009, so that frame is its own to read.
      if (size > FAST_BYTES || end - start < size || (maxPayload > 0 && size > maxPayload)) break;
      if (masked) unmask(chunk, start, size);
      const text = chunk.toString("utf8", start, start + size);
      // No U+FFFD: the bytes were UTF-8. With one (bad bytes or a U+FFFD sent) `ws` decides, with its own check.
      if (text.includes("\uFFFD")) {
        if (masked) unmask(chunk, start, size);
        break;
      }
      pos = start + size;
      receive(text);
    }
    if (pos === end) return true;
    return write.call(this, pos === 0 ? chunk : chunk.subarray(pos));
  };
  return true;
}

/** XORs `bytes[start, start + size)` in place with the mask in the 4 bytes before it (again: masked back). */
function unmask(bytes: Buffer, start: number, size: number): void {
  const m0 = bytes[start - 4]!;
  const m1 = bytes[start - 3]!;
  const m2 = bytes[start - 2]!;
  const m3 = bytes[start - 1]!;
  const end = start + size;
  let i = start;
  if (size >= WORDS_FROM) {
    // Byte by byte up to a 4-byte boundary of the memory, then four bytes at a time as signed 32-bit
    // integers (no doubles), the mask turned to the phase the boundary falls at.
    for (; (bytes.byteOffset + i) & 3; i++) bytes[i] = bytes[i]! ^ bytes[start - 4 + ((i - start) & 3)]!;
    const words = (end - i) >> 2;
    const phase = (i - start) & 3;
    const k0 = bytes[start - 4 + phase]!;
    const k1 = bytes[start - 4 + ((phase + 1) & 3)]!;
    const k2 = bytes[start - 4 + ((phase + 2) & 3)]!;
    const k3 = bytes[start - 4 + ((phase + 3) & 3)]!;
    const key = littleEndian ? k0 | (k1 << 8) | (k2 << 16) | (k3 << 24) : (k0 << 24) | (k1 << 16) | (k2 << 8) | k3;
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ key;
    i += words << 2;
    for (; i < end; i++) bytes[i] = bytes[i]! ^ bytes[start - 4 + ((i - start) & 3)]!;
    return;
  }
  for (; i + 4 <= end; i += 4) {
    bytes[i] = bytes[i]! ^ m0;
    bytes[i + 1] = bytes[i + 1]! ^ m1;
    bytes[i + 2] = bytes[i + 2]! ^ m2;
    bytes[i + 3] = bytes[i + 3]! ^ m3;
  }
  // At most three bytes are left: they take the mask's first three bytes.
  if (i < end) bytes[i] = bytes[i]! ^ m0;
  if (i + 1 < end) bytes[i + 1] = bytes[i + 1]! ^ m1;
  if (i + 2 < end) bytes[i + 2] = bytes[i + 2]! ^ m2;
}

/** Payloads this long or longer are unmasked a 32-bit word at a time (a typed array view costs more than it saves below it). */
const WORDS_FROM = 256;
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
