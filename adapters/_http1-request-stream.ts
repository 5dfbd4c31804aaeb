/**
 * The client→server half of an HTTP/1.1 connection as a TCP front reads it: where each request
 * head, body and WebSocket frame begins, so that the front can refuse what the server behind it
 * would wrongly take, and knows when the connection is between requests. No runtime imports
 * (the Deno front and the Bun front use it; the Bun front with `serial` and `stamp`).
 *
 * Heads are held until whole and checked before a byte of them is forwarded; bodies
 * (`_http1-chunked.ts` for chunked ones) and frames (`_ws-client-frames.ts`) pass through as they
 * arrive, their framing followed but their bytes never copied. Everything held is bounded
 * (`maxHeadBytes`, 14 bytes of a frame header).
 *
 * What it refuses is only what the runtimes behind it let through or what it must know to
 * follow the framing (measured on Deno 2.9, which refuses NUL, bare CR, other control bytes,
 * obs-fold, a space before the colon, `+3` or `3, 3` lengths and a POST with `Upgrade` itself):
 * - a bare LF anywhere in a head or a chunked body's lines (Deno takes it as a line end, so
 *   `X-C: a\nX-Injected: 1` reached a backend as two headers);
 * - a head longer than `maxHeadBytes` (431);
 * - the HTTP/2 preface (`PRI * HTTP/2.0`), after which Deno's server spoke HTTP/2 to the client;
 * - a CONNECT, and a request target that is not origin-form (`/path`), `*` among them
 *   (./_request-line.ts says why): an absolute-form target (`GET http://other/ HTTP/1.1`) passes
 *   its authority off as the Host the hub checked, and Bun builds the URL from Host so its
 *   handler cannot see the form;
 * - a byte in the target that is not visible ASCII (Bun and Deno took some, Node refuses all);
 * - a request with `Upgrade` (named in `Connection`) and a body, as the Node hub does;
 * - framing it cannot follow exactly as the server would: `Content-Length` with
 *   `Transfer-Encoding`, two lengths (even equal), a length that is not digits, a transfer coding that
 *   does not end in `chunked` (RFC 9112 §6.3 refuses each; guessing would let the front and the
 *   server disagree about where the next request begins).
 */
import { CR, LF, SP, fieldValue, isName, matchesAt } from "./_http1-bytes.ts";
import { ChunkedBody } from "./_http1-chunked.ts";
import { FrameWatch } from "./_ws-client-frames.ts";
import { ASTERISK_FORM, CONNECT_REFUSED, bodyWithUpgrade } from "./_request-line.ts";

export interface RequestStreamLimits {
  /** Longest request head (request line and fields) in bytes: 431 past it. */
  maxHeadBytes: number;
  /** Largest WebSocket message after an upgrade, in bytes. */
  maxMessageSize: number;
  /**
   * Wait for the server's answer after every request, not only after one that may switch
   * protocols (`"upgrade?"` each time): a front for a server that fails pipelined requests
   * (Bun's) passes the next request on only once the one before it is answered.
   */
  serial?: boolean;
  /**
   * Bytes put at the end of every forwarded head, before its empty line: a header field line of
   * the front's own (`name: value\r\n`), e.g. telling the server which client connection a
   * request came on when its transport cannot (a Unix socket).
   */
  stamp?: Uint8Array;
  /**
   * The methods the server behind takes; others answer 400 here. `Bun.serve` closes the
   * connection without a word on a method it does not know (`FOO`, a lower-case `get`), where
   * Node answers 400.
   */
  methods?: ReadonlySet<string>;
}

/**
 * - `pass`: forward what was pushed and read on.
 * - `refuse`: forward what was pushed, then answer `refusal` and close (the head is not forwarded).
 * - `upgrade?`: a request that may switch protocols (an `Upgrade` header), or with
 *   `serial` any request, was forwarded: forward what was pushed, then call `answered()` once the
 *   server has answered it, before the next read (the rest of this read is kept: a view, or with
 *   `serial` a copy, since a front may read on meanwhile).
 * - `too-big`: a WebSocket message passed `maxMessageSize`: forward what was pushed, then close
 *   the socket (1009) instead of forwarding more.
 */
export type StreamVerdict = "pass" | "refuse" | "upgrade?" | "too-big";

/** Where the stream is. */
const HEAD = 0;
const BODY = 1;
const CHUNKED = 2;
const AWAIT_UPGRADE = 3;
const WEBSOCKET = 4;

export class RequestStream {
  readonly #limits: RequestStreamLimits;
  #state = HEAD;
  /** A head split across reads, held until whole (`#heldLength` bytes of it). */
  #held: Uint8Array | undefined;
  #heldLength = 0;
  /** The head scan, carried across reads: bytes of the line in progress, whether a line was seen, whether the last byte was CR. */
  #lineLength = 0;
  #sawLine = false;
  #lastCR = false;
  /** Body bytes still to pass. */
  #left = 0;
  /**
   * The request just read may switch protocols once its body is read (it carries `Upgrade`). With
   * `serial` every request awaits its answer too; only one that carries `Upgrade` gets a 101 (the
   * runtimes upgrade a WebSocket request only; a 101 from a handler, a mock or a replay is refused
   * before it is sent, and Bun's fetch refuses a service's 101 to a plain request), so what follows
   * a 101 is WebSocket frames.
   */
  #pendingSwitch = false;
  #chunked: ChunkedBody | undefined;
  #rest: Uint8Array | undefined;
  /** `#run` is reading `#rest`, which is already the stream's own (with `serial`, a copy). */
  #inRest = false;
  #frames: FrameWatch | undefined;
  /** Request heads read and passed on so far. */
  requests = 0;
  /** The last request read is a HEAD (its answer has no body, whatever its length says). */
  headRequest = false;
  /** With `"refuse"`: the status and the reason. */
  refusal: { status: 400 | 431; error: string } | undefined;
  /**
   * With `"refuse"`: what was refused is the chunked body of the last request, whose head (and
   * part of its body) the server already has: a front must end that request, not only refuse.
   */
  bodyRefused = false;

  constructor(limits: RequestStreamLimits) {
    this.#limits = limits;
  }

  /**
   * True when no request body is arriving: between requests, or inside a head that has stopped
   * arriving (a front may close such a connection when it stays quiet; a WebSocket never is).
   */
  get betweenRequests(): boolean {
    return this.#state === HEAD || this.#state === AWAIT_UPGRADE;
  }

  /** True while a request head has begun and is not whole yet. */
  get inHead(): boolean {
    return this.#state === HEAD && this.#heldLength > 0;
  }

  /** True once the server switched protocols: the connection carries WebSocket frames. */
  get upgraded(): boolean {
    return this.#state === WEBSOCKET;
  }

  /**
   * Reads the next bytes from the client, pushing onto `out` what may be forwarded, in order
   * (views of `chunk`, or of a head held from earlier reads). See `StreamVerdict`.
   */
  feed(chunk: Uint8Array, out: Uint8Array[]): StreamVerdict {
    if (this.#state === AWAIT_UPGRADE) throw new Error("RequestStream: answered() not called after an upgrade request");
    if (this.#heldLength === 0) return this.#run(chunk, 0, out);
    // The rest of a split head: scanned from where the last read stopped, joined once whole.
    const headEnd = this.#scan(chunk, 0);
    if (headEnd === -1) return this.refusal ? "refuse" : this.#hold(chunk, 0);
    const head = new Uint8Array(this.#heldLength + headEnd);
    head.set(this.#held!.subarray(0, this.#heldLength));
    head.set(chunk.subarray(0, headEnd), this.#heldLength);
    this.#held = undefined;
    this.#heldLength = 0;
    if (!this.#readHead(head, 0, head.length)) return "refuse";
    this.#emitHead(head, 0, 0, head.length, out);
    return this.#run(chunk, headEnd, out);
  }

  /**
   * After `"upgrade?"`: whether the server switched protocols (a `101`).
   * Reads on from the bytes that followed the request in the same read.
   */
  answered(switched: boolean, out: Uint8Array[]): StreamVerdict {
    if (this.#state !== AWAIT_UPGRADE) return "pass";
    const rest = this.#rest;
    this.#rest = undefined;
    if (switched) {
      this.#state = WEBSOCKET;
      this.#frames = new FrameWatch(this.#limits.maxMessageSize);
    } else this.#state = HEAD;
    if (!rest || rest.length === 0) return "pass";
    this.#inRest = true;
    const verdict = this.#run(rest, 0, out);
    this.#inRest = false;
    return verdict;
  }

  #run(bytes: Uint8Array, start: number, out: Uint8Array[]): StreamVerdict {
    const end = bytes.length;
    let pos = start;
    let emitFrom = start;
    while (pos < end) {
      switch (this.#state) {
        case HEAD: {
          const headEnd = this.#scan(bytes, pos);
          if (headEnd === -1 || !this.#readHead(bytes, pos, headEnd)) {
            // Bytes before the head go now; the head waits for the rest of itself, or is refused.
            if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
            return this.refusal ? "refuse" : this.#hold(bytes, pos);
          }
          if (this.#limits.stamp) {
            this.#emitHead(bytes, emitFrom, pos, headEnd, out);
            emitFrom = headEnd;
          }
          pos = headEnd;
          break;
        }
        case AWAIT_UPGRADE:
          if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
          // A copy once per read at most: copying the rest again after each of many requests
          // pipelined in one read would cost a client's bytes times their number.
          this.#rest = this.#limits.serial && !this.#inRest ? bytes.slice(pos, end) : bytes.subarray(pos, end);
          return "upgrade?";
        case BODY: {
          const take = Math.min(this.#left, end - pos);
          pos += take;
          this.#left -= take;
          if (this.#left === 0) this.#state = this.#afterBody();
          break;
        }
        case CHUNKED: {
          const chunked = this.#chunked!;
          const next = chunked.skim(bytes, pos, end);
          if (next === -1) {
            if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
            this.refusal = chunked.refusal;
            this.bodyRefused = true;
            return "refuse";
          }
          pos = next;
          if (chunked.done) {
            this.#chunked = undefined;
            this.#state = this.#afterBody();
          }
          break;
        }
        case WEBSOCKET: {
          if (pos > emitFrom) out.push(bytes.subarray(emitFrom, pos));
          return this.#frames!.skim(bytes, pos, end, out);
        }
      }
    }
    if (end > emitFrom) out.push(bytes.subarray(emitFrom, end));
    if (this.#state !== AWAIT_UPGRADE) return "pass";
    this.#rest = undefined;
    return "upgrade?";
  }

  /**
   * Pushes `bytes[from, headEnd)`, ending in the whole head `bytes[headStart, headEnd)`, with the
   * stamp before its empty line and without the empty lines before its request line (RFC 9112
   * §2.2 lets a server skip them, and Node and Deno do, but `Bun.serve` refused such a request:
   * a client may send a CRLF after a body).
   */
  #emitHead(bytes: Uint8Array, from: number, headStart: number, headEnd: number, out: Uint8Array[]): void {
    const stamp = this.#limits.stamp;
    if (!stamp) {
      out.push(bytes.subarray(from, headEnd));
      return;
    }
    if (bytes[headStart] === CR) {
      if (headStart > from) out.push(bytes.subarray(from, headStart));
      while (bytes[headStart] === CR) headStart += 2;
      from = headStart;
    }
    out.push(bytes.subarray(from, headEnd - 2), stamp, bytes.subarray(headEnd - 2, headEnd));
  }

  /** Keeps `bytes[start, end)`, the start of a head, for the next read (431 past `maxHeadBytes`). */
  #hold(bytes: Uint8Array, start: number): StreamVerdict {
    // Only a head that does not come whole is looked at here (a whole one is the server's to
    // refuse): a TLS ClientHello never has an empty line, and waited for one until the idle
    // timeout, where Node answers 400 at once.
    if (this.#heldLength === 0 && !mayBeginHead(bytes[start]!)) {
      this.#refuse(400, "Not an HTTP/1.1 request (TLS to a plain HTTP port?)");
      return "refuse";
    }
    const length = bytes.length - start;
    const needed = this.#heldLength + length;
    if (needed > this.#limits.maxHeadBytes) {
      this.#refuse(431, `Request head longer than ${this.#limits.maxHeadBytes} bytes`);
      return "refuse";
    }
    if (!this.#held || this.#held.length < needed) {
      const grown = new Uint8Array(Math.min(this.#limits.maxHeadBytes, Math.max(needed, 2 * (this.#held?.length ?? 512))));
      if (this.#held) grown.set(this.#held.subarray(0, this.#heldLength));
      this.#held = grown;
    }
    this.#held.set(bytes.subarray(start), this.#heldLength);
    this.#heldLength = needed;
    return "pass";
  }

  /**
   * The index just past the head's empty line in `bytes` (scanned from `start`, carrying on from
   * earlier reads), or -1 when the head is not whole yet (then `refusal` may be set: a bare LF
   * was found). Leading empty lines are part of the head (RFC 9112 §2.2 lets a server skip them;
   * the server behind does).
   */
  #scan(bytes: Uint8Array, start: number): number {
    // A line that began in an earlier read starts before `start`.
    let lineStart = start - this.#lineLength;
    for (let lf = bytes.indexOf(LF, start); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
      if (!(lf > start ? bytes[lf - 1] === CR : this.#lastCR)) {
        this.#refuse(400, "Bare LF in the request head (RFC 9112 section 2.2)");
        return -1;
      }
      const empty = lf - lineStart === 1;
      lineStart = lf + 1;
      if (empty && this.#sawLine) {
        this.#lineLength = 0;
        this.#sawLine = false;
        this.#lastCR = false;
        return lf + 1;
      }
      if (!empty) this.#sawLine = true;
    }
    this.#lineLength = bytes.length - lineStart;
    if (bytes.length > start) this.#lastCR = bytes[bytes.length - 1] === CR;
    return -1;
  }

  /** Reads the framing of the whole head `bytes[start, end)`; false (with `refusal`) when it cannot be followed. */
  #readHead(bytes: Uint8Array, start: number, end: number): boolean {
    if (end - start > this.#limits.maxHeadBytes) return this.#refuse(431, `Request head longer than ${this.#limits.maxHeadBytes} bytes`);
    let lineStart = start;
    while (bytes[lineStart] === CR) lineStart += 2;
    const requestLineEnd = bytes.indexOf(LF, lineStart);
    // The HTTP/2 preface (`PRI * HTTP/2.0`): Deno's server switched to HTTP/2 behind it, out of
    // the front's sight (it holds bytes until an empty line, which frames can carry); Node and
    // Bun refuse it.
    if (bytes[lineStart] === 0x50 && matchesAt(bytes, lineStart, "PRI ")) return this.#refuse(400, "HTTP/2 without TLS (prior knowledge) is not served");
    if (bytes[lineStart] === 0x43 && matchesAt(bytes, lineStart, "CONNECT ")) return this.#refuse(400, CONNECT_REFUSED);
    // Origin-form starts with `/`; `*` is refused (./_request-line.ts).
    // A request line without a space is left to the server, which refuses it.
    const targetStart = bytes.indexOf(SP, lineStart) + 1;
    const methods = this.#limits.methods;
    if (methods !== undefined) {
      const method = targetStart === 0 || targetStart > requestLineEnd ? "" : methodOf(bytes, lineStart, targetStart - 1);
      if (!methods.has(method)) return this.#refuse(400, `Unknown method '${method}'`);
    }
    if (targetStart > 0 && targetStart < requestLineEnd && bytes[targetStart] !== 0x2f) {
      return this.#refuse(400, bytes[targetStart] === 0x2a ? ASTERISK_FORM : "Absolute-form request target: this server is not a forward proxy");
    }
    // A target is visible ASCII (RFC 9112 §3.2, RFC 3986), as Node's parser insists: `Bun.serve`
    // took DEL and bytes from 0x80 on (percent-encoding them, so the hub could not tell them from
    // `%7F`), Deno the latter, and Bun answered 505 to a tab or a control byte. One compare per
    // byte of the target, which is short (the hub refuses one past 8 KiB).
    if (targetStart > 0) {
      const targetEnd = bytes.lastIndexOf(SP, requestLineEnd);
      // One unsigned compare: 0x21–0x7E map to 0–0x5D, everything else above.
      for (let i = targetStart; i < targetEnd; i++) {
        if (((bytes[i]! - 0x21) >>> 0) > 0x5d) return this.#refuse(400, "Request target with a byte that is not visible ASCII (percent-encode it)");
      }
    }
    let length = -1;
    let chunked = false;
    let transferEncoding = false;
    let upgrade = false;
    for (let line = requestLineEnd + 1; line < end - 2; ) {
      const lineEnd = bytes.indexOf(LF, line) - 1;
      const first = bytes[line]! | 0x20;
      // Only three names matter for framing; the first letter rules out the rest cheaply.
      if (first === 0x63 && isName(bytes, line, lineEnd, "content-length")) {
        const value = fieldValue(bytes, line + 15, lineEnd);
        if (!/^\d{1,15}$/.test(value)) return this.#refuse(400, "Content-Length is not a number");
        // Even two equal ones (RFC 9112 §6.3 lets a server refuse them, and Node does): `Bun.serve`
        // joins them as `5, 5`, which the hub's proxy could not send on (it answered 502).
        if (length !== -1) return this.#refuse(400, "More than one Content-Length");
        length = Number(value);
      } else if (first === 0x74 && isName(bytes, line, lineEnd, "transfer-encoding")) {
        transferEncoding = true;
        const value = fieldValue(bytes, line + 18, lineEnd).toLowerCase();
        // Several headers join as one list: the last coding decides.
        const last = value.slice(value.lastIndexOf(",") + 1).trim();
        if (last !== "") chunked = last === "chunked";
      } else if (first === 0x75 && isName(bytes, line, lineEnd, "upgrade")) {
        upgrade = true;
      } else if (first === 0x65 && isName(bytes, line, lineEnd, "expect")) {
        lowerContinue(bytes, line + 7, lineEnd);
      }
      line = lineEnd + 2;
    }
    if (transferEncoding && length !== -1) return this.#refuse(400, "Both Content-Length and Transfer-Encoding");
    if (transferEncoding && !chunked) return this.#refuse(400, "Transfer-Encoding that does not end in chunked");
    // A request that asks to upgrade (`Upgrade` named in `Connection`, as Node's parser reads it)
    // has no body: Node's parser stops at the head of such a request, so its body cannot be
    // read as one, and Deno refuses it itself; `Bun.serve` passed a POST's body on as an
    // ordinary request's, and closed a GET's without an answer. 400 on every runtime; without a
    // body, a method other than GET is served as the ordinary request it also is (the proxy
    // drops `Upgrade`), since only a GET may upgrade.
    if (upgrade && (chunked || length > 0) && namesUpgrade(bytes, requestLineEnd + 1, end)) {
      return this.#refuse(400, bodyWithUpgrade(methodOf(bytes, lineStart, targetStart - 1)));
    }
    this.requests++;
    this.headRequest = bytes[lineStart] === 0x48 && matchesAt(bytes, lineStart, "HEAD ");
    this.#pendingSwitch = upgrade;
    if (chunked) {
      this.#state = CHUNKED;
      this.#chunked = new ChunkedBody(this.#limits.maxHeadBytes);
    } else if (length > 0) {
      this.#state = BODY;
      this.#left = length;
    } else this.#state = this.#afterBody();
    return true;
  }

  /** Where a request goes once its body is read: wait for the server's answer when it may switch protocols. */
  #afterBody(): number {
    const next = this.#pendingSwitch || this.#limits.serial ? AWAIT_UPGRADE : HEAD;
    this.#pendingSwitch = false;
    return next;
  }

  #refuse(status: 400 | 431, error: string): false {
    this.refusal = { status, error };
    return false;
  }
}

/** True when `byte` may begin a request: a method's first character (a token, RFC 9110 §5.6.2), or the CR of an empty line before it. */
function mayBeginHead(byte: number): boolean {
  if (byte === CR) return true;
  const lower = byte | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte));
}

/** True when a `Connection` field among the lines of `bytes[from, end)` names `upgrade` (only for a request with `Upgrade` and a body: rare). */
function namesUpgrade(bytes: Uint8Array, from: number, end: number): boolean {
  for (let line = from; line < end - 2; ) {
    const lineEnd = bytes.indexOf(LF, line) - 1;
    if (isName(bytes, line, lineEnd, "connection") && /(^|,)\s*upgrade\s*(,|$)/i.test(fieldValue(bytes, line + 11, lineEnd))) return true;
    line = lineEnd + 2;
  }
  return false;
}

/** The bytes of a refusal, as the server's own refusals read (JSON, and the connection closes). */
export function refusalBytes(status: number, error: string): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify({ error }));
  const reason = status === 431 ? "Request Header Fields Too Large" : "Bad Request";
  const head = new TextEncoder().encode(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/**
 * The method `bytes[start, end)` as text, for a lookup and a refusal: a byte a character, and
 * cut at 20 (the longest method anyone serves has 11), so a head of 16 KiB without a space
 * builds no 16 KiB string.
 */
function methodOf(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < Math.min(end, start + 20); i++) text += String.fromCharCode(bytes[i]!);
  return end - start > 20 ? `${text}…` : text;
}

/**
 * `Expect: 100-Continue` (any case) becomes `100-continue`, in place (same length), before the
 * server sees it: the expectation is case-insensitive (RFC 9110 §10.1.1), but `Bun.serve` sends
 * its `100 Continue` only for the lower-case token, and a client that waits for it before sending
 * its body waited for its own timeout. Node and Deno read it in any case.
 */
function lowerContinue(bytes: Uint8Array, from: number, to: number): void {
  if (fieldValue(bytes, from, to).toLowerCase() !== "100-continue") return;
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x41 && bytes[i]! <= 0x5a) bytes[i] = bytes[i]! | 0x20;
}
