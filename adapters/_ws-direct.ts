/**
 * WebSocket frames (RFC 6455 §5) read and written by a TCP front itself, for a framework
 * connection whose data frames skip the server behind the front (`_front-frames.ts`): the client's
 * frames are unmasked and reassembled here and each message handed on in-process; the answers are
 * framed here and written to the client's socket. Hand-written for speed: every frame relayed
 * through `Bun.serve` crossed two more sockets and two more callbacks, and neither crossws nor
 * Bun can be handed a socket the front already holds. Control frames go on to the server as they
 * came, so its close handshake and heartbeat are its own; only a close frame's payload is checked
 * first (`closeProblem`).
 */
import { Buffer } from "node:buffer";
import { headerLength, payloadLength } from "./_ws-client-frames.ts";
import { strictUtf8 } from "../src/_utf8.ts";

/** Where `ClientFrames` sends what it read. */
export interface ClientFrameSink {
  /** A whole data message: text as a string, binary as bytes. */
  message(data: string | Uint8Array): void;
  /** A control frame, as the client sent it (still masked), for the server. */
  control(frame: Uint8Array): void;
  /** The client broke the protocol or a limit: the server is to close with `code`. Nothing is read after it. */
  fail(code: number, reason: string): void;
}

/** Longest frame header: 2 bytes, an 8-byte length, a 4-byte mask. */
const MAX_HEADER = 14;
// ignoreBOM: a message that begins with U+FEFF keeps it, as Bun.serve and `ws` hand it on (and as `strictUtf8` does).
const replacing = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A message's text, or `undefined` when its bytes are not UTF-8. Decoded with replacement first:
 * Deno's strict decoder took 40–100 µs per 64 KiB against 4–10 µs for the replacing one (Bun:
 * both ~5 µs). Replacement leaves a U+FFFD wherever the bytes were bad, so text without one was
 * valid; text with one (bad bytes, or a U+FFFD the client sent) is decided by the strict decoder.
 */
function decodeText(bytes: Uint8Array): string | undefined {
  const text = replacing.decode(bytes);
  if (!text.includes("\uFFFD")) return text;
  return strictUtf8(bytes);
}
/** Largest frame `#wholeText` unmasks into `scratch` (shared: each message is decoded before the next frame is read). */
const SCRATCH = 16 * 1024;
const scratch = new Uint8Array(SCRATCH);
/** A data frame's buffer at first; a longer one grows as its bytes arrive. */
const FIRST_PAYLOAD_BYTES = 1024 * 1024;
/**
 * A whole text message (one frame) longer than `SCRATCH` and up to this many bytes is gathered in a buffer taken from
 * `keptPayloads` and given back once its text is decoded: a new, zeroed 64 KiB buffer per message
 * (its `memset` and the page faults of fresh memory) was ~8% of a Deno hub's CPU at 64 KiB × 64
 * (bench/ANALYSIS.md, "Session 16 — Deno at 64 KiB"). A frame whose connection ends part-way keeps
 * its buffer, which is then collected: the list never waits for it.
 */
const KEPT_BYTES = 128 * 1024;
/** Buffers kept at most (shared by all connections; one is in use per message being gathered). */
const KEPT_BUFFERS = 4;
const keptPayloads: Uint8Array[] = [];
/**
 * Frames one message may come in, as `ws` bounds them on a Node hub (its `maxFragments`, 16,384,
 * closing with 1008). Unbounded, a client sending 1,000,000 empty continuations (6 MB) kept its
 * connection; one of 1-byte continuations (7 MB) held 108 MiB in a Bun hub and 477 MiB in a Deno
 * hub, an array per fragment, and `maxMessageSize` (64 MiB) let it go on to 64 million of them.
 */
const MAX_FRAGMENTS = 16 * 1024;

/** @internal Buffers waiting in `keptPayloads` (tests). */
export function keptPayloadCount(): number {
  return keptPayloads.length;
}

/**
 * Reads a client's frames as they arrive, in order, bounded at `maxMessageSize` per message
 * (`maxTextSize` per text message). Nothing is read after a close frame (RFC 6455 §5.5.1: the
 * client sends no data after it), as `Bun.serve`, `Deno.serve` and `ws` hand on no message after it.
 */
export class ClientFrames {
  readonly #maxMessageSize: number;
  readonly #maxTextSize: number;
  readonly #sink: ClientFrameSink;
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerHave = 0;
  /** The frame being read: its opcode, FIN, mask, and payload (unmasked so far) or, for a control frame, its raw bytes. */
  #opcode = 0;
  #fin = false;
  #mask = new Uint8Array(4);
  #payload: Uint8Array | undefined;
  /** The buffer from `keptPayloads` that `#payload` lies in, to give back once decoded. */
  #kept: Uint8Array | undefined;
  #payloadHave = 0;
  /** The frame's whole length (for a data frame, `#payload` grows to it as its bytes arrive). */
  #payloadLength = 0;
  /** A fragmented message in progress: its opcode and fragments. */
  #messageOpcode = 0;
  #fragments: Uint8Array[] = [];
  #messageSize = 0;
  /** Data frames of the message in progress so far, empty ones too (`MAX_FRAGMENTS`). */
  #messageFrames = 0;
  /** The client broke the protocol or a limit, or sent its close frame: the rest is not read. */
  #stopped = false;

  /**
   * `maxTextSize`: the framework path's own limit on a text message (the core's `maxMessageSize`),
   * checked as each frame's header arrives: a larger message is closed with 1009 before it is
   * gathered, and no message the client sent after it is handed on.
   */
  constructor(maxMessageSize: number, sink: ClientFrameSink, maxTextSize: number = maxMessageSize) {
    this.#maxMessageSize = maxMessageSize;
    this.#maxTextSize = Math.min(maxTextSize, maxMessageSize);
    this.#sink = sink;
  }

  /** Between two messages: no frame header, payload or fragmented message in progress. */
  get atBoundary(): boolean {
    return this.#headerHave === 0 && this.#payload === undefined && this.#messageOpcode === 0;
  }

  /** @internal Fragments the message in progress holds (tests). */
  get heldFragments(): number {
    return this.#fragments.length;
  }

  feed(bytes: Uint8Array): void {
    let pos = 0;
    const end = bytes.length;
    while (pos < end && !this.#stopped) {
      if (this.#payload) {
        pos = this.#readPayload(bytes, pos, end);
        continue;
      }
      // The usual case: a whole header in this read.
      if (this.#headerHave === 0 && end - pos >= 2 && end - pos >= headerLength(bytes, pos)) {
        const length = headerLength(bytes, pos);
        const whole = this.#wholeText(bytes, pos, length, end);
        if (whole > 0) {
          pos = whole;
          continue;
        }
        this.#startFrame(bytes, pos);
        pos += length;
        continue;
      }
      while (pos < end && !this.#headerWhole()) this.#header[this.#headerHave++] = bytes[pos++]!;
      if (!this.#headerWhole()) return;
      this.#headerHave = 0;
      this.#startFrame(this.#header, 0);
    }
  }

  /**
   * The common frame, taken in one step: a whole unfragmented text frame of up to `SCRATCH`
   * bytes, masked, in this read, with no message in progress. Unmasked into a buffer reused for
   * every such frame (no allocation per message: at 64 small requests in flight the per-frame
   * path cost the hub ~1.4× main's CPU per request). Returns where it ends, or 0 when it is not such a frame.
   */
  #wholeText(bytes: Uint8Array, pos: number, headerBytes: number, end: number): number {
    const b0 = bytes[pos]!;
    const b1 = bytes[pos + 1]!;
    const length = b1 & 0x7f;
    // FIN and text, no reserved bits; masked; a 7-bit length (under 126 bytes) or a 16-bit one.
    if (b0 !== 0x81 || !(b1 & 0x80) || length === 127 || this.#messageOpcode !== 0) return 0;
    const size = length === 126 ? (bytes[pos + 2]! << 8) | bytes[pos + 3]! : length;
    const start = pos + headerBytes;
    if (size > SCRATCH || end - start < size || size > this.#maxTextSize) return 0;
    const m = start - 4;
    const m0 = bytes[m]!;
    const m1 = bytes[m + 1]!;
    const m2 = bytes[m + 2]!;
    const m3 = bytes[m + 3]!;
    const to = scratch;
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      to[i] = bytes[start + i]! ^ m0;
      to[i + 1] = bytes[start + i + 1]! ^ m1;
      to[i + 2] = bytes[start + i + 2]! ^ m2;
      to[i + 3] = bytes[start + i + 3]! ^ m3;
    }
    // At most three bytes are left: they take the mask's first three bytes.
    if (i < size) to[i] = bytes[start + i]! ^ m0;
    if (i + 1 < size) to[i + 1] = bytes[start + i + 1]! ^ m1;
    if (i + 2 < size) to[i + 2] = bytes[start + i + 2]! ^ m2;
    const text = decodeText(to.subarray(0, size));
    if (text === undefined) {
      this.#fail(1007, "Invalid UTF-8");
      return end;
    }
    this.#sink.message(text);
    return start + size;
  }

  #headerWhole(): boolean {
    return this.#headerHave >= 2 && this.#headerHave === headerLength(this.#header, 0);
  }

  #fail(code: number, reason: string): void {
    this.#stopped = true;
    this.#payload = undefined;
    this.#fragments = [];
    this.#sink.fail(code, reason);
  }

  /** Checks the header at `at` and sets up its payload. */
  #startFrame(header: Uint8Array, at: number): void {
    const b0 = header[at]!;
    const b1 = header[at + 1]!;
    const opcode = b0 & 0x0f;
    if (b0 & 0x70) return this.#fail(1002, "Reserved bits set");
    if (!(b1 & 0x80)) return this.#fail(1002, "Client frame not masked");
    const length = payloadLength(header, at);
    const headerBytes = headerLength(header, at);
    this.#fin = (b0 & 0x80) !== 0;
    this.#opcode = opcode;
    if (opcode >= 8) {
      if (opcode > 10) return this.#fail(1002, "Unknown opcode");
      // The 7-bit length itself, as `ws` checks it: a control frame's length in the 16- or 64-bit
      // form (even of 125 bytes or fewer) is refused, so `closeProblem` finds the mask at byte 2.
      if (!this.#fin || (b1 & 0x7f) > 125) return this.#fail(1002, "Bad control frame");
      // Kept raw (header and masked payload) for the server.
      this.#payload = new Uint8Array(headerBytes + length);
      this.#payload.set(header.subarray(at, at + headerBytes));
      this.#payloadLength = headerBytes + length;
      this.#payloadHave = headerBytes;
    } else {
      if (opcode > 2) return this.#fail(1002, "Unknown opcode");
      if (opcode === 0 && this.#messageOpcode === 0) return this.#fail(1002, "Continuation with no message");
      if (opcode !== 0 && this.#messageOpcode !== 0) return this.#fail(1002, "New message inside a fragmented one");
      this.#messageSize = opcode === 0 ? this.#messageSize + length : length;
      this.#messageFrames = opcode === 0 ? this.#messageFrames + 1 : 1;
      if (this.#messageFrames > MAX_FRAGMENTS) return this.#fail(1008, "Too many message fragments");
      const limit = (opcode === 0 ? this.#messageOpcode : opcode) === 1 ? this.#maxTextSize : this.#maxMessageSize;
      if (this.#messageSize > limit) return this.#fail(1009, "Message too big");
      if (opcode !== 0) this.#messageOpcode = opcode;
      const m = at + headerBytes - 4;
      this.#mask[0] = header[m]!;
      this.#mask[1] = header[m + 1]!;
      this.#mask[2] = header[m + 2]!;
      this.#mask[3] = header[m + 3]!;
      if (opcode === 1 && this.#fin && length > SCRATCH && length <= KEPT_BYTES) {
        // A whole text message: its bytes are dead once decoded, so its buffer is reused. Not a
        // small one split across reads (one per read at many in flight): a buffer of its own
        // size costs little, where an empty list would hand it a fresh 128 KiB.
        this.#kept = keptPayloads.pop() ?? new Uint8Array(KEPT_BYTES);
        this.#payload = this.#kept.subarray(0, length);
      } else {
        // Not the whole declared length at once: a header costs a client 14 bytes and could claim
        // up to the limit (64 MiB), which a system without memory overcommit would refuse.
        this.#payload = new Uint8Array(Math.min(length, FIRST_PAYLOAD_BYTES));
      }
      this.#payloadLength = length;
      this.#payloadHave = 0;
    }
    if (this.#payloadHave === this.#payloadLength) this.#endFrame();
  }

  /** Takes payload bytes from `bytes[pos, end)`; where it stopped. */
  #readPayload(bytes: Uint8Array, pos: number, end: number): number {
    let payload = this.#payload!;
    const take = Math.min(this.#payloadLength - this.#payloadHave, end - pos);
    if (this.#payloadHave + take > payload.length) {
      // Doubled as the bytes come, up to the frame's length (where it ends, whole).
      const grown = new Uint8Array(Math.min(this.#payloadLength, Math.max(this.#payloadHave + take, payload.length * 2)));
      grown.set(payload.subarray(0, this.#payloadHave));
      this.#payload = payload = grown;
    }
    if (this.#opcode >= 8) payload.set(bytes.subarray(pos, pos + take), this.#payloadHave);
    else unmask(bytes, pos, take, payload, this.#payloadHave, this.#mask);
    this.#payloadHave += take;
    if (this.#payloadHave === this.#payloadLength) this.#endFrame();
    return pos + take;
  }

  #endFrame(): void {
    const payload = this.#payload!;
    this.#payload = undefined;
    if (this.#opcode >= 8) {
      if (this.#opcode === 8) {
        // Checked here, not left to the server: `Deno.serve` drops the connection on a bad close
        // with no close frame, and its WebSocket's idle timer then kept the process alive for
        // `heartbeat` seconds after a teardown. Node's and Bun's servers answer 1002 or 1007.
        const problem = closeProblem(payload);
        if (problem) return this.#fail(problem[0], problem[1]);
        this.#stopped = true;
      }
      return this.#sink.control(payload);
    }
    if (!this.#fin) {
      // An empty fragment adds nothing to the message: kept, a client sending endless 6-byte empty
      // continuations held ~30× their bytes in array objects (18 MB of them, 586 MB), never past
      // `maxMessageSize`, whose count they do not raise. `ws` skips them too.
      if (payload.length !== 0) this.#fragments.push(payload);
      return;
    }
    let whole = payload;
    if (this.#fragments.length > 0) {
      this.#fragments.push(payload);
      whole = new Uint8Array(this.#messageSize);
      let at = 0;
      for (const part of this.#fragments) {
        whole.set(part, at);
        at += part.length;
      }
      this.#fragments = [];
    }
    const opcode = this.#messageOpcode;
    this.#messageOpcode = 0;
    this.#messageSize = 0;
    if (opcode === 2) return this.#sink.message(whole);
    const text = decodeText(whole);
    // Decoded: the text is a string of its own, and the bytes can gather the next message.
    if (this.#kept) {
      if (keptPayloads.length < KEPT_BUFFERS) keptPayloads.push(this.#kept);
      this.#kept = undefined;
    }
    if (text === undefined) return this.#fail(1007, "Invalid UTF-8");
    this.#sink.message(text);
  }
}

/**
 * What is wrong with a client's close frame (`raw`: its header and masked payload), as the code
 * and reason to close with, or `undefined` (RFC 6455 §5.5.1, §7.4): a payload of one byte, a code
 * no endpoint may send (`ws`'s list: Node's and Bun's hubs answer these with 1002), or a reason
 * that is not UTF-8 (1007).
 */
function closeProblem(raw: Uint8Array): [code: number, reason: string] | undefined {
  // `#startFrame` took only the 7-bit length form (125 at most): 2 header bytes, then the mask.
  const length = raw.length - 6;
  if (length === 0) return undefined;
  if (length === 1) return [1002, "Invalid close frame"];
  const payload = new Uint8Array(length);
  unmask(raw, 6, length, payload, 0, raw.subarray(2, 6));
  const code = (payload[0]! << 8) | payload[1]!;
  const allowed = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  if (!allowed) return [1002, `Invalid close code ${code}`];
  if (decodeText(payload.subarray(2)) === undefined) return [1007, "Invalid UTF-8 in the close reason"];
  return undefined;
}

/** `to[at, at + length) = from[pos, pos + length) ^ mask`, the mask's phase following `at` (`to` starts its own buffer). */
function unmask(from: Uint8Array, pos: number, length: number, to: Uint8Array, at: number, mask: Uint8Array): void {
  to.set(from.subarray(pos, pos + length), at);
  const end = at + length;
  let i = at;
  for (; i < end && i & 3; i++) to[i]! ^= mask[i & 3]!;
  // Four bytes at a time over the aligned middle, as signed 32-bit integers (no doubles): ~7 µs
  // per 64 KiB on Bun, where a byte loop took ~100 and unsigned words ~12.
  const words = (end - i) >> 2;
  if (words > 0) {
    const view = new Int32Array(to.buffer, to.byteOffset + i, words);
    const key = littleEndian
      ? mask[0]! | (mask[1]! << 8) | (mask[2]! << 16) | (mask[3]! << 24)
      : (mask[0]! << 24) | (mask[1]! << 16) | (mask[2]! << 8) | mask[3]!;
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ key;
    i += words << 2;
  }
  for (; i < end; i++) to[i]! ^= mask[i & 3]!;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Makes the buffer of a frame of `bytes` (its content is then written over whole). */
export type FrameAllocator = (bytes: number) => Buffer;

/** Sizes that `Buffer.allocUnsafe` takes from its shared pool. */
const POOLED = Buffer.poolSize >>> 1;

/**
 * For Deno: past the pool, Deno's `Buffer.allocUnsafe` took 16–100 µs per 64 KiB frame and
 * ~2 ms per MiB (in a loop, Deno 2.9) against 6 µs and ~100 µs for a Buffer over a new
 * `ArrayBuffer`, zeroed as that is; below it the pool is the faster (0.2 against 0.5–0.7 µs).
 * Bun's `allocUnsafe` is the faster at every size (2.5 against 4 µs at 64 KiB), so Bun keeps it
 * (bench/ANALYSIS.md, session 15).
 */
export const allocateOutsidePool: FrameAllocator = (bytes) => (bytes < POOLED ? Buffer.allocUnsafe(bytes) : Buffer.from(new ArrayBuffer(bytes)));

/** A server text frame (unmasked, one fragment) holding `text`, in one buffer (one write). */
export function textFrame(text: string, allocate: FrameAllocator = Buffer.allocUnsafe): Uint8Array {
  const length = Buffer.byteLength(text);
  const frame = newTextFrame(length, allocate);
  frame.write(text, headerBytesOf(length));
  return frame;
}

/**
 * `textFrame(head + json + tail)`, byte for byte, the parts encoded one after the other: a long
 * answer's text is never joined into one string (`IPCSocketTarget.sendParts`). The same bytes as
 * long as no surrogate pair is split between two parts: an answer's parts meet at ASCII (`:` and
 * `}`), and `JSON.stringify` escapes a lone surrogate.
 */
export function textFrameParts(head: string, json: string, tail: string, allocate: FrameAllocator = Buffer.allocUnsafe): Uint8Array {
  const headLength = Buffer.byteLength(head);
  const jsonLength = Buffer.byteLength(json);
  const length = headLength + jsonLength + Buffer.byteLength(tail);
  const frame = newTextFrame(length, allocate);
  const at = headerBytesOf(length);
  frame.write(head, at);
  frame.write(json, at + headLength);
  frame.write(tail, at + headLength + jsonLength);
  return frame;
}

/** The longest text (in UTF-16 units) `shortTextFrame` frames: three bytes a unit at most, and the header, fit its buffer. */
export const SHORT_FRAME_TEXT = 4096;
/** The one buffer `shortTextFrame` frames into. */
export const shortFrame: Buffer = Buffer.allocUnsafeSlow(4 + 3 * SHORT_FRAME_TEXT);
/** Where the last frame `shortTextFrame` made lies in `shortFrame` (one object, reused: nothing is made per frame). */
export const shortFrameAt = { start: 0, end: 0 };

/**
 * `textFrame(text)` in `shortFrame` at `shortFrameAt`, for a writer that writes it (or copies what
 * it cannot) at once: no buffer made per frame, and the text encoded in one pass (no
 * `Buffer.byteLength` first). The text goes at byte 4 and its header just before it (2 bytes under
 * 126, else 4). `text.length` is at most `SHORT_FRAME_TEXT`.
 */
export function shortTextFrame(text: string): void {
  const frame = shortFrame;
  const length = frame.write(text, 4);
  shortFrameAt.end = 4 + length;
  if (length < 126) {
    frame[2] = 0x81;
    frame[3] = length;
    shortFrameAt.start = 2;
    return;
  }
  frame[0] = 0x81;
  frame[1] = 126;
  frame[2] = length >> 8;
  frame[3] = length & 0xff;
  shortFrameAt.start = 0;
}

/** The longest answer (in UTF-16 units, its three parts together) `longTextFrameParts` frames. */
export const LONG_FRAME_TEXT: number = 128 * 1024;
/** The one buffer `longTextFrameParts` frames into: made at the first long answer (a Bun hub's front only). */
let longFrame: Buffer | undefined;
/** Where the last frame `longTextFrameParts` made lies in its buffer (one object, reused). */
export const longFrameAt = { start: 0, end: 0 };

/**
 * `textFrameParts(head, json, tail)` in one buffer reused for every long answer, for a writer that
 * writes it at once and copies what the socket does not take (as `shortTextFrame`): no buffer of
 * the answer's size made per answer, and no `Buffer.byteLength` pass over each part first. The
 * parts go at byte 10 and the header just before them (4 bytes under 64 KiB, else 10). The parts
 * together are at most `LONG_FRAME_TEXT` units (three bytes a unit at most: `write` never cuts).
 * Returns the buffer; the frame is at `longFrameAt`.
 */
export function longTextFrameParts(head: string, json: string, tail: string): Buffer {
  const frame = (longFrame ??= Buffer.allocUnsafeSlow(10 + 3 * LONG_FRAME_TEXT));
  let at = 10;
  at += frame.write(head, at);
  at += frame.write(json, at);
  at += frame.write(tail, at);
  const length = at - 10;
  longFrameAt.end = at;
  if (length < 126) {
    // Not from `sendParts` (its JSON is over 1,024 units), but framed right all the same.
    frame[8] = 0x81;
    frame[9] = length;
    longFrameAt.start = 8;
    return frame;
  }
  if (length < 0x10000) {
    frame[6] = 0x81;
    frame[7] = 126;
    frame[8] = length >> 8;
    frame[9] = length & 0xff;
    longFrameAt.start = 6;
    return frame;
  }
  frame[0] = 0x81;
  frame[1] = 127;
  frame.writeUInt32BE(0, 2);
  frame.writeUInt32BE(length, 6);
  longFrameAt.start = 0;
  return frame;
}

function headerBytesOf(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** A text frame's buffer for a payload of `length` bytes, its header written. */
function newTextFrame(length: number, allocate: FrameAllocator): Buffer {
  const frame = allocate(headerBytesOf(length) + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 0x10000) {
    frame[1] = 126;
    frame[2] = length >> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    // Lengths past 2^32 cannot come from a string.
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  return frame;
}

/**
 * Follows the frames a server sends (unmasked) through a front, so that frames of the front's
 * own go in only between them, and notes its close frame (nothing may follow it).
 */
export class ServerFrames {
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerHave = 0;
  #payloadLeft = 0;
  /** A close frame has begun. */
  closing = false;

  /** Between two frames. */
  get atBoundary(): boolean {
    return this.#payloadLeft === 0 && this.#headerHave === 0;
  }

  /** Reads `bytes[from, end)`; with `once`, stops where the frame in progress ends. Returns where it stopped. */
  skim(bytes: Uint8Array, from: number, once: boolean): number {
    let pos = from;
    const end = bytes.length;
    while (pos < end) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, end - pos);
        this.#payloadLeft -= take;
        pos += take;
        if (once && this.#payloadLeft === 0) return pos;
        continue;
      }
      if (once && this.#headerHave === 0) return pos;
      if (this.#headerHave === 0 && end - pos >= 2 && end - pos >= headerLength(bytes, pos)) {
        this.#start(bytes, pos);
        pos += headerLength(bytes, pos);
        continue;
      }
      while (pos < end && !(this.#headerHave >= 2 && this.#headerHave === headerLength(this.#header, 0))) this.#header[this.#headerHave++] = bytes[pos++]!;
      if (this.#headerHave < 2 || this.#headerHave !== headerLength(this.#header, 0)) return pos;
      this.#headerHave = 0;
      this.#start(this.#header, 0);
    }
    return pos;
  }

  #start(header: Uint8Array, at: number): void {
    if ((header[at]! & 0x0f) === 8) this.closing = true;
    this.#payloadLeft = payloadLength(header, at);
  }
}
