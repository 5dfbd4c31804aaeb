/**
 * The server→client half of a WebSocket connection as a TCP front copies it (RFC 6455 §5.2):
 * where the `101` head ends and where each of the server's frames ends, so that a front may put
 * frames of its own between the server's without cutting one in two. And the frame a server
 * sends for a text message. Only headers are read; payloads are skipped. No runtime imports.
 */
import { CR, LF } from "./_http1-bytes.ts";

/** Longest unmasked frame header: 2 bytes and an 8-byte length. */
const MAX_HEADER = 10;

export class ServerFrameTrack {
  /** Bytes of the `\r\n\r\n` that ends the `101` head matched so far; 4 once it passed. */
  #headEnd = 0;
  /** Payload bytes of the current frame still to pass. */
  #payloadLeft = 0;
  /** A frame header split across chunks. */
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerHave = 0;

  /** True when the bytes so far end where a frame may begin: the head has passed and no frame is cut. */
  get atBoundary(): boolean {
    return this.#headEnd === 4 && this.#payloadLeft === 0 && this.#headerHave === 0;
  }

  /** Follows `bytes`, the next the server sent (the first of them its `101` head). */
  feed(bytes: Uint8Array): void {
    let pos = 0;
    const end = bytes.length;
    while (pos < end && this.#headEnd < 4) {
      const byte = bytes[pos++]!;
      const want = this.#headEnd % 2 === 0 ? CR : LF;
      this.#headEnd = byte === want ? this.#headEnd + 1 : byte === CR ? 1 : 0;
    }
    while (pos < end) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, end - pos);
        this.#payloadLeft -= take;
        pos += take;
        continue;
      }
      this.#header[this.#headerHave++] = bytes[pos++]!;
      if (this.#headerHave < 2) continue;
      const len7 = this.#header[1]! & 0x7f;
      const length = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.#header[1]! & 0x80 ? 4 : 0);
      if (this.#headerHave < length) continue;
      this.#payloadLeft = payloadLength(this.#header, len7);
      this.#headerHave = 0;
    }
  }
}

function payloadLength(header: Uint8Array, len7: number): number {
  if (len7 < 126) return len7;
  if (len7 === 126) return (header[2]! << 8) | header[3]!;
  let length = 0;
  for (let i = 2; i < 10; i++) length = length * 256 + header[i]!;
  return length;
}

const encoder = new TextEncoder();
/** Up to this many UTF-16 units a message is encoded straight into its frame (a buffer 3× its length). */
const ENCODE_IN_PLACE = 16 * 1024;

/** A server's frame for one whole text message (FIN, opcode 1, unmasked). */
export function textFrame(text: string): Uint8Array {
  if (text.length <= ENCODE_IN_PLACE) {
    // Encoded after the longest header this size can need, then the header goes right before it.
    const buffer = new Uint8Array(4 + text.length * 3);
    const written = encoder.encodeInto(text, buffer.subarray(4)).written;
    const start = written < 126 ? 2 : 0;
    writeHeader(buffer, start, written);
    return buffer.subarray(start, 4 + written);
  }
  const payload = encoder.encode(text);
  const headerLength = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10;
  const frame = new Uint8Array(headerLength + payload.length);
  writeHeader(frame, 0, payload.length);
  frame.set(payload, headerLength);
  return frame;
}

function writeHeader(frame: Uint8Array, at: number, length: number): void {
  frame[at] = 0x81;
  if (length < 126) {
    frame[at + 1] = length;
  } else if (length < 65536) {
    frame[at + 1] = 126;
    frame[at + 2] = length >> 8;
    frame[at + 3] = length & 0xff;
  } else {
    frame[at + 1] = 127;
    let rest = length;
    for (let i = at + 9; i >= at + 2; i--) {
      frame[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
}
