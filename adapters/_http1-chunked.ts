/**
 * A chunked request body (RFC 9112 §7.1) as a TCP front follows it: where it ends, so that the
 * next request head is found where the server will look for it. Chunk data is skipped, never
 * copied; chunk-size lines and trailers are read byte by byte (they are short) and must end in
 * CRLF: a bare LF there is refused, as in a head (Deno took it as a line end). No runtime
 * imports.
 */
import { CR, HTAB, LF, SP } from "./_http1-bytes.ts";

const SIZE_LINE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILERS = 3;
const DONE = 4;

/** Longest chunk-size line (size and extensions), as nginx's and Node's parsers bound it. */
const MAX_SIZE_LINE = 4096;

export class ChunkedBody {
  readonly #maxTrailerBytes: number;
  #state = SIZE_LINE;
  /** Data bytes of the current chunk still to skip. */
  #left = 0;
  #lineBytes = 0;
  #size = 0;
  #sawDigit = false;
  #inExtension = false;
  #lastByte = 0;
  #trailerBytes = 0;
  /** The trailer line in progress has its colon. */
  #sawColon = false;
  /** With -1 from `skim`: why the body is refused. */
  refusal: { status: 400 | 431; error: string } | undefined;

  constructor(maxTrailerBytes: number) {
    this.#maxTrailerBytes = maxTrailerBytes;
  }

  /** True once the last chunk and the trailers have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Reads `bytes[start, end)` up to the body's end at most; where it stopped, or -1 (see `refusal`). */
  skim(bytes: Uint8Array, start: number, end: number): number {
    let pos = start;
    while (pos < end && this.#state !== DONE) {
      if (this.#state === DATA) {
        const take = Math.min(this.#left, end - pos);
        pos += take;
        this.#left -= take;
        if (this.#left === 0) {
          this.#state = DATA_END;
          this.#lineBytes = 0;
        }
        continue;
      }
      const byte = bytes[pos++]!;
      const ok = this.#state === DATA_END ? this.#dataEnd(byte) : this.#state === TRAILERS ? this.#trailer(byte) : this.#sizeLine(byte);
      if (!ok) return -1;
    }
    return pos;
  }

  /** Exactly CRLF after a chunk's data. */
  #dataEnd(byte: number): boolean {
    if (byte !== (this.#lineBytes === 0 ? CR : LF)) return this.#refuse(400, "Chunk data not followed by CRLF");
    if (++this.#lineBytes === 2) this.#startSizeLine();
    return true;
  }

  /**
   * Trailer lines up to an empty one, bounded like a head, each a field line (`name: value`):
   * Deno closed the connection with no answer on one that is not (a folded line, a control
   * byte, no colon, as when the last CRLF is missing and the next request is read as trailers),
   * where Node answers 400.
   */
  #trailer(byte: number): boolean {
    if (++this.#trailerBytes > this.#maxTrailerBytes) return this.#refuse(431, "Trailers too long");
    if (this.#lastByte === CR && byte !== LF) return this.#refuse(400, "Bare CR in the trailers");
    if (byte === LF) {
      if (this.#lastByte !== CR) return this.#refuse(400, "Bare LF in the trailers");
      if (this.#lineBytes === 1) this.#state = DONE;
      else if (!this.#sawColon) return this.#refuse(400, "A trailer line that is not a field");
      this.#lineBytes = 0;
      this.#sawColon = false;
    } else {
      if ((byte < SP && byte !== HTAB && byte !== CR) || byte === 0x7f) return this.#refuse(400, "Control character in the trailers");
      if (this.#lineBytes === 0 && (byte === SP || byte === HTAB)) return this.#refuse(400, "Folded trailer line");
      // A colon that is not the line's first byte ends a name.
      if (byte === 0x3a && this.#lineBytes > 0) this.#sawColon = true;
      this.#lineBytes++;
    }
    this.#lastByte = byte;
    return true;
  }

  /** Hex digits, optional `;extensions` (or whitespace before them), CRLF. */
  #sizeLine(byte: number): boolean {
    if (++this.#lineBytes > MAX_SIZE_LINE) return this.#refuse(400, "Chunk-size line too long");
    if (byte === LF) {
      if (this.#lastByte !== CR || !this.#sawDigit) return this.#refuse(400, "Malformed chunk-size line");
      if (this.#size === 0) {
        this.#state = TRAILERS;
        this.#trailerBytes = 0;
        this.#lineBytes = 0;
        this.#lastByte = 0;
      } else {
        this.#state = DATA;
        this.#left = this.#size;
      }
      return true;
    }
    if (this.#lastByte === CR) return this.#refuse(400, "Bare CR in a chunk-size line");
    this.#lastByte = byte;
    if (byte === CR || this.#inExtension) return true;
    const digit = hexValue(byte);
    if (digit !== -1) {
      this.#sawDigit = true;
      this.#size = this.#size * 16 + digit;
      return this.#size <= Number.MAX_SAFE_INTEGER / 16 || this.#refuse(400, "Chunk size too large");
    }
    if ((byte === 0x3b || byte === SP || byte === HTAB) && this.#sawDigit) {
      this.#inExtension = true;
      return true;
    }
    return this.#refuse(400, "Malformed chunk-size line");
  }

  #startSizeLine(): void {
    this.#state = SIZE_LINE;
    this.#lineBytes = 0;
    this.#size = 0;
    this.#sawDigit = false;
    this.#inExtension = false;
    this.#lastByte = 0;
  }

  #refuse(status: 400 | 431, error: string): false {
    this.refusal = { status, error };
    return false;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}
