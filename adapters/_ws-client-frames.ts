/**
 * The frame headers of a client's WebSocket stream (RFC 6455 §5.2), read by a TCP front after a
 * `101`, so that a message is bounded while it arrives: Deno collects the fragments of an
 * unfinished message without limit and checks no size before the message is whole. Only headers
 * are read; payloads are skipped, never unmasked or copied. No runtime imports (a Bun front can
 * use it too).
 */

/** What `FrameWatch.skim` found. */
export type FrameVerdict = "pass" | "too-big";

/** Longest frame header: 2 bytes, an 8-byte length, a 4-byte mask. */
const MAX_HEADER = 14;

export class FrameWatch {
  readonly #maxMessageSize: number;
  /** Payload bytes of the current frame still to skip. */
  #payloadLeft = 0;
  /** Bytes of the data message in progress (its frames so far). */
  #messageSize = 0;
  /** A frame header split across reads, held back until it is whole. */
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerHave = 0;

  constructor(maxMessageSize: number) {
    this.#maxMessageSize = maxMessageSize;
  }

  /**
   * Reads `bytes[start, end)` and pushes onto `out` what may be forwarded, in order: whole frames
   * and payload bytes, and a header split across reads only once it is whole (copied). On
   * `"too-big"`, what was pushed ends where the frame that made a message too large begins, so a
   * front can put a close frame of its own in its place.
   */
  skim(bytes: Uint8Array, start: number, end: number, out: Uint8Array[]): FrameVerdict {
    let pos = start;
    let emitFrom = start;
    while (pos < end) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, end - pos);
        this.#payloadLeft -= take;
        pos += take;
        continue;
      }
      if (this.#headerHave === 0 && end - pos >= 2 && end - pos >= headerLength(bytes, pos)) {
        if (!this.#admit(bytes, pos)) {
          if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
          return "too-big";
        }
        pos += headerLength(bytes, pos);
        continue;
      }
      // A header split across reads (rare): everything before it goes now, the header once whole.
      if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
      while (pos < end && !this.#headerWhole()) this.#header[this.#headerHave++] = bytes[pos++]!;
      emitFrom = pos;
      if (!this.#headerWhole()) return "pass";
      const length = this.#headerHave;
      this.#headerHave = 0;
      if (!this.#admit(this.#header, 0)) return "too-big";
      out.push(this.#header.slice(0, length));
    }
    if (end > emitFrom) out.push(bytes.subarray(emitFrom, end));
    return "pass";
  }

  #headerWhole(): boolean {
    return this.#headerHave >= 2 && this.#headerHave === headerLength(this.#header, 0);
  }

  /** Takes in the whole header at `at`; false when its frame makes the message too large. */
  #admit(header: Uint8Array, at: number): boolean {
    const length = payloadLength(header, at);
    const opcode = header[at]! & 0x0f;
    // 1 (text) and 2 (binary) start a message, 0 continues it; control frames (8–15) stand alone
    // and are bounded to 125 bytes by the server itself.
    if (opcode < 8) {
      this.#messageSize = opcode === 0 ? this.#messageSize + length : length;
      if (this.#messageSize > this.#maxMessageSize) return false;
      if (header[at]! & 0x80) this.#messageSize = 0;
    }
    this.#payloadLeft = length;
    return true;
  }
}

/** A header's length in bytes, from its first two. */
export function headerLength(bytes: Uint8Array, at: number): number {
  const len7 = bytes[at + 1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (bytes[at + 1]! & 0x80 ? 4 : 0);
}

/** The payload length of a complete header at `at` (a 64-bit length past 2^53 reads as Infinity: too big). */
export function payloadLength(bytes: Uint8Array, at: number): number {
  const len7 = bytes[at + 1]! & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return (bytes[at + 2]! << 8) | bytes[at + 3]!;
  const high = ((bytes[at + 2]! << 24) >>> 0) + (bytes[at + 3]! << 16) + (bytes[at + 4]! << 8) + bytes[at + 5]!;
  const low = ((bytes[at + 6]! << 24) >>> 0) + (bytes[at + 7]! << 16) + (bytes[at + 8]! << 8) + bytes[at + 9]!;
  return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x1_0000_0000 + low;
}

/**
 * A close frame as a client sends it (masked, RFC 6455 §5.3), for a front to hand the server in
 * the client's place: the server then closes the socket as if the client had asked, answers the
 * client with its own close frame, and drops the fragments it collected. The mask is zero, which
 * leaves the payload as is (any 4 bytes are a valid mask).
 */
export function maskedCloseFrame(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason.slice(0, 120));
  const frame = new Uint8Array(2 + 4 + 2 + text.length);
  frame[0] = 0x88;
  frame[1] = 0x80 | (2 + text.length);
  frame[6] = code >> 8;
  frame[7] = code & 0xff;
  frame.set(text, 8);
  return frame;
}
