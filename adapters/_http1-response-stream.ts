/**
 * The server→client half of an HTTP/1.1 connection as a TCP front reads it: where each answer
 * ends (RFC 9112 §6.3), so that a front holding a pipelined request knows when to pass it on, and
 * whether the server switched protocols. Bytes are only scanned, never copied (a head split
 * across reads is, until whole); the front forwards them as they came. No runtime imports.
 *
 * The server behind is the hub's own (`Bun.serve`), so this reads what it writes, not hostile
 * input: a head it cannot read, or one past `MAX_HEAD_BYTES`, is taken as an answer that ends
 * with the connection (close-delimited), which only delays a pipelined request until then.
 *
 * One thing it takes out: a second `100 Continue` to the same request. `Bun.serve` with a
 * WebSocket handler sends two to a GET with `Expect: 100-continue` (uWS sends one for each route
 * it tries, the WebSocket one and the fallback); Node sends one, and a client reading a second
 * interim answer where it expects its final one may take it for that.
 */
import { CR, LF, fieldValue, isName } from "./_http1-bytes.ts";
import { ChunkedBody } from "./_http1-chunked.ts";
import { concat } from "../src/_bytes.ts";

const HEAD = 0;
const BODY = 1;
const CHUNKED = 2;
/** The answer ends with the connection, or the connection switched protocols: nothing more to read. */
const UNTIL_CLOSE = 3;

/** Longest answer head followed; a longer one is taken as running until the close. */
const MAX_HEAD_BYTES = 64 * 1024;

export class ResponseStream {
  #state = HEAD;
  /** A head split across reads, until whole. */
  #held: Uint8Array | undefined;
  #left = 0;
  #chunked: ChunkedBody | undefined;
  /** Final answers (not 1xx) read to their end so far. */
  answers = 0;
  /** The server switched protocols (a 101): what follows is not HTTP. */
  switched = false;
  /** How many bytes of the read that switched protocols came after the answer's head (the new protocol's first bytes). */
  afterSwitch = 0;
  /** Set by the front for the request being answered: a HEAD (no body). */
  headRequest = false;
  /** A `100 Continue` came for the answer in progress. */
  #continued = false;
  /** Where, in the bytes being fed, a repeated `100 Continue` lies (start, end pairs). */
  #cuts: number[] | undefined;

  /** Some bytes of an answer have been read and its end has not (a head in part, a body, or an answer that ends with the connection). */
  get midAnswer(): boolean {
    return this.#state !== HEAD || this.#held !== undefined;
  }

  /** Reads the next bytes from the server; returns what goes to the client (`bytes` itself, unless a repeated `100 Continue` was taken out). */
  feed(bytes: Uint8Array): Uint8Array {
    this.#read(bytes);
    const cuts = this.#cuts;
    if (cuts === undefined) return bytes;
    this.#cuts = undefined;
    const parts: Uint8Array[] = [];
    let from = 0;
    let length = 0;
    for (let i = 0; i < cuts.length; i += 2) {
      parts.push(bytes.subarray(from, cuts[i]));
      length += cuts[i]! - from;
      from = cuts[i + 1]!;
    }
    parts.push(bytes.subarray(from));
    return concat(parts, length + bytes.length - from);
  }

  #read(bytes: Uint8Array): void {
    let pos = 0;
    const end = bytes.length;
    while (pos < end) {
      switch (this.#state) {
        case HEAD:
          pos = this.#head(bytes, pos);
          if (this.switched) this.afterSwitch = end - pos;
          break;
        case BODY: {
          const take = Math.min(this.#left, end - pos);
          pos += take;
          this.#left -= take;
          if (this.#left === 0) this.#answered();
          break;
        }
        case CHUNKED: {
          const next = this.#chunked!.skim(bytes, pos, end);
          if (next === -1) {
            this.#state = UNTIL_CLOSE;
            return;
          }
          pos = next;
          if (this.#chunked!.done) {
            this.#chunked = undefined;
            this.#answered();
          }
          break;
        }
        default:
          return;
      }
    }
  }

  /** Reads a head from `bytes[pos]` on; where it stopped. */
  #head(bytes: Uint8Array, pos: number): number {
    let head = bytes;
    let start = pos;
    let headEnd = findHeadEnd(bytes, pos);
    if (this.#held || headEnd === -1) {
      const rest = bytes.subarray(pos, headEnd === -1 ? bytes.length : headEnd);
      const joined = new Uint8Array((this.#held?.length ?? 0) + rest.length);
      if (this.#held) joined.set(this.#held);
      joined.set(rest, this.#held?.length ?? 0);
      // The end of the head may straddle the reads: search the joined bytes again.
      const joinedEnd = findHeadEnd(joined, Math.max(0, (this.#held?.length ?? 0) - 3));
      if (joinedEnd === -1) {
        this.#held = joined;
        if (joined.length > MAX_HEAD_BYTES) this.#state = UNTIL_CLOSE;
        return bytes.length;
      }
      const used = joinedEnd - (this.#held?.length ?? 0);
      this.#held = undefined;
      head = joined.subarray(0, joinedEnd);
      start = 0;
      headEnd = joinedEnd;
      pos += used;
    } else pos = headEnd;
    // Only a head read whole in this read can be taken out: the start of one split across reads went on already.
    if (this.#readHead(head, start, headEnd) && head === bytes) (this.#cuts ??= []).push(start, headEnd);
    return pos;
  }

  /** Sets up the body of the answer whose head is `bytes[start, end)`; true when it is a repeated `100 Continue`. */
  #readHead(bytes: Uint8Array, start: number, end: number): boolean {
    // `HTTP/1.1 200 OK`: the status is at 9.
    const status = (bytes[start + 9]! - 48) * 100 + (bytes[start + 10]! - 48) * 10 + (bytes[start + 11]! - 48);
    if (!(status >= 100 && status <= 999) || bytes[start + 8] !== 0x20) {
      this.#state = UNTIL_CLOSE;
      return false;
    }
    if (status === 101) {
      this.switched = true;
      this.#state = UNTIL_CLOSE;
      return false;
    }
    // 100 Continue and the like come before the answer, and have no body.
    if (status === 100) {
      const repeated = this.#continued;
      this.#continued = true;
      return repeated;
    }
    if (status < 200) return false;
    if (this.headRequest || status === 204 || status === 304) {
      this.#answered();
      return false;
    }
    let length = -1;
    let chunked = false;
    for (let line = bytes.indexOf(LF, start) + 1; line < end - 2; ) {
      const lineEnd = bytes.indexOf(LF, line) - 1;
      const first = bytes[line]! | 0x20;
      if (first === 0x63 && isName(bytes, line, lineEnd, "content-length")) length = Number(fieldValue(bytes, line + 15, lineEnd));
      else if (first === 0x74 && isName(bytes, line, lineEnd, "transfer-encoding")) chunked = /(^|,)\s*chunked\s*$/i.test(fieldValue(bytes, line + 18, lineEnd));
      line = lineEnd + 2;
    }
    if (chunked) {
      this.#state = CHUNKED;
      this.#chunked = new ChunkedBody(MAX_HEAD_BYTES);
    } else if (length > 0) {
      this.#state = BODY;
      this.#left = length;
    } else if (length === 0) this.#answered();
    else this.#state = UNTIL_CLOSE;
    return false;
  }

  #answered(): void {
    this.answers++;
    this.#state = HEAD;
    this.#continued = false;
  }
}

/** The index just past the first CRLFCRLF from `from`, or -1. */
function findHeadEnd(bytes: Uint8Array, from: number): number {
  for (let lf = bytes.indexOf(LF, from); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    if (lf - 3 >= from && bytes[lf - 1] === CR && bytes[lf - 2] === LF && bytes[lf - 3] === CR) return lf + 1;
  }
  return -1;
}
