import { redactBodyText, redactHeaders, redactUrl, type Redaction } from "./_redact.ts";
import { redactBodyNames } from "./_redactBody.ts";
import { explicitScope } from "../mocks/_scope.ts";

import { concat } from "../_bytes.ts";
import { strictUtf8 } from "../_utf8.ts";
import { toBase64 } from "../_base64.ts";
import type { BodyCopier } from "../_bodyCopier.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import { pathOf } from "./_path.ts";

export type JournalKind = "http" | "websocket" | "framework";
/**
 * What took a request: an intercept route, a rule added from another process (`mock`), a
 * recording (`replay`), the proxy, the framework (connection or handler), nothing (404), or a refusal.
 */
export type JournalTakenBy = "intercept" | "mock" | "replay" | "proxy" | "framework" | "none" | "refused";

/** One thing the server handled, as `journal.entries()` returns it. */
export interface JournalEntry {
  /** Increases by one per entry, for the life of the server (`clear()` does not reset it). */
  id: number;
  /** When it started, in ms since the epoch. */
  time: number;
  kind: JournalKind;
  /** HTTP method (`GET` for WebSocket upgrades); absent on framework requests. */
  method?: string;
  /** Path and query; for framework requests, the request name. */
  path: string;
  /** HTTP requests and upgrades: the absolute URL as the client addressed the server (its `Host`). */
  url?: string;
  takenBy: JournalTakenBy;
  /** The intercept route or rule that took it, as `"GET /users/:id"`. */
  route?: string;
  /** The id of the rule (`mocks`/`replay`) that took it, as `/__crossipc/api/state` lists it. */
  rule?: string;
  /**
   * The request's scope (SPEC §10): named in `baggage`, `x-crossipc-scope` or a cookie, or a
   * trace id that was an open scope's id when the request came; null without one.
   */
  scope: string | null;
  /** The URL it was proxied to. */
  target?: string;
  /**
   * How many times the proxy sent the request again because a pooled connection to the target
   * closed before any byte of the answer came back (absent when it did not).
   */
  retried?: number;
  /** HTTP status (101 for an accepted upgrade); absent on framework requests. */
  status?: number;
  /** A status below 400, or a framework request that succeeded. */
  ok: boolean;
  /** Until the answer's head was ready (HTTP), the upgrade was accepted, or the framework answer arrived. */
  durationMs: number;
  /** Request and response body sizes in bytes, when known (`content-length`, or the bytes sent). */
  requestSize?: number;
  responseSize?: number;
  clientId?: string;
  runtimeId?: string;
  /** Framework requests: `in` from a client to this server, `out` from this server to a client. */
  direction?: "in" | "out";
  error?: string;
  /** The fault that hit it (`server.fault`, `mocks.fault`, `/__crossipc/api/faults`). */
  fault?: { id: string; kind: string };
  /** Lower-cased names; several `set-cookie` headers are joined with a newline (a value never holds one). */
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  /**
   * Only with `journal: { bodies: true }`, cut at `maxBodySize` bytes (then `…Truncated` is
   * true). The text when the bytes are UTF-8, else their base64 with `…BodyEncoding: "base64"`.
   */
  requestBody?: string;
  responseBody?: string;
  requestBodyEncoding?: "base64";
  responseBodyEncoding?: "base64";
  requestBodyTruncated?: boolean;
  responseBodyTruncated?: boolean;
  /**
   * The `content-encoding` (gzip, deflate) the response was sent with and that was undone for
   * `responseBody`, as browser DevTools store it; `responseSize` stays the bytes sent.
   */
  responseBodyDecoded?: string;
}

/** Headers as the runtime has them: a Headers object, a record, a list of pairs, or Node's flat raw list. */
type HeaderSource = Headers | Record<string, string | string[] | undefined> | Array<[string, string]> | string[];

const timeOrigin = performance.timeOrigin;

const ACCESS_TOKEN: Redaction = { names: new Set(["token"]), values: [] };

/**
 * The framework path's access token has no place in a journal that CI logs print: it is cut at
 * record time, whatever `redact` says (its name decoded: `?%74oken=` is the token too).
 */
export function withoutToken(path: string): string {
  return redactUrl(path, ACCESS_TOKEN)!;
}

/**
 * The absolute URL with the framework path's token cut. Only that path's: a service's own
 * `?token=` is the journal's to redact or keep (`redact: false`, `--no-redact`), as its path
 * shows it, so that a recording kept as sent replays those requests.
 */
function urlWithoutHubToken(url: string): string {
  return pathOf(url) === INTERNAL_SOCKET_PATH ? withoutToken(url) : url;
}

/**
 * The journal's internal record: one object per request, filled in as the request is handled.
 * Headers stay as the runtime gave them (a reference, no copy) until an entry is read.
 */
export class JournalRecord {
  id = 0;
  readonly kind: JournalKind;
  /** Not readonly: a framework record is filled again for a newer request (`reuse`). */
  start: number = performance.now();
  path: string;
  method: string | undefined = undefined;
  takenBy: JournalTakenBy = "none";
  route: string | undefined = undefined;
  rule: string | undefined = undefined;
  /** Set when the pipeline read it (rules existed); otherwise read from the headers when the entry is read. */
  scope: string | null | undefined = undefined;
  target: string | undefined = undefined;
  retried: number | undefined = undefined;
  status: number | undefined = undefined;
  ok = true;
  durationMs = 0;
  responseSize: number | undefined = undefined;
  clientId: string | undefined = undefined;
  runtimeId: string | undefined = undefined;
  direction: "in" | "out" | undefined = undefined;
  error: string | undefined = undefined;
  fault: { id: string; kind: string } | undefined = undefined;
  requestHeaders: HeaderSource | undefined = undefined;
  responseHeaders: HeaderSource | undefined = undefined;
  /** Body limit in bytes, or -1 when bodies are not recorded. */
  readonly maxBody: number;
  /** The journal's byte budget for bodies: an entry's two bodies together are cut at it, so that one entry always fits. */
  readonly #budget: number;
  /** Bytes of each body held, or being copied, for this entry (`bodyBytes`). */
  #requestHeld = 0;
  #responseHeld = 0;
  /** The journal, while the record is in its ring: growth is counted there as it happens. */
  #ledger: BodyLedger | undefined = undefined;
  /** The record left the ring (dropped, or the journal cleared): nothing more of its bodies is kept. */
  #gone = false;
  /** The request's absolute URL (a reference to the runtime's string, no copy). */
  url: string | undefined = undefined;
  /** The names whose values read `[redacted]` in entries (the journal's, by reference). */
  readonly #redact: Redaction;
  requestBody: Uint8Array | undefined = undefined;
  responseBody: Uint8Array | undefined = undefined;
  requestBodyTruncated = false;
  responseBodyTruncated = false;
  /** The content-encoding undone for `responseBody`. */
  responseBodyDecoded: string | undefined = undefined;

  constructor(kind: JournalKind, path: string, maxBody: number, redact?: Redaction, budget: number = Number.MAX_SAFE_INTEGER) {
    this.kind = kind;
    this.path = path;
    this.maxBody = maxBody;
    this.#redact = redact;
    this.#budget = budget;
  }

  /**
   * @internal The journal's record for a framework request that left the ring, filled again for a
   * newer request (`Journal.begin`): as a record made new (every field the constructor and the
   * initialisers set), with the same kind, limits and redaction. Only framework records: nothing
   * holds one once it is committed (their bodies are set whole, never streamed in later).
   */
  reuse(path: string): void {
    this.id = 0;
    this.start = performance.now();
    this.path = path;
    this.method = undefined;
    this.takenBy = "none";
    this.route = undefined;
    this.rule = undefined;
    this.scope = undefined;
    this.target = undefined;
    this.retried = undefined;
    this.status = undefined;
    this.ok = true;
    this.durationMs = 0;
    this.responseSize = undefined;
    this.clientId = undefined;
    this.runtimeId = undefined;
    this.direction = undefined;
    this.error = undefined;
    this.fault = undefined;
    this.requestHeaders = undefined;
    this.responseHeaders = undefined;
    this.#requestHeld = 0;
    this.#responseHeld = 0;
    this.#ledger = undefined;
    this.#gone = false;
    this.url = undefined;
    this.requestBody = undefined;
    this.responseBody = undefined;
    this.requestBodyTruncated = false;
    this.responseBodyTruncated = false;
    this.responseBodyDecoded = undefined;
  }

  /** Bytes of body this entry holds (both bodies, counted as they arrive). */
  get bodyBytes(): number {
    return this.#requestHeld + this.#responseHeld;
  }

  /** @internal The journal put the record in its ring: from now on its bodies' growth is counted there. */
  entered(ledger: BodyLedger): void {
    this.#ledger = ledger;
  }

  /** @internal The record left the ring: a body still streaming in stops being copied. */
  left(): void {
    this.#ledger = undefined;
    this.#gone = true;
  }

  /**
   * A copy of one body taken as it streams (`readCopy`, a runtime's upstream). Each chunk is
   * counted as it arrives, so that a body that grows after the entry was committed (a proxied
   * answer, copied as it passes to the client) counts against the journal's budget then, and not
   * only once it ended. The copy is cut at `maxBody`, and where the entry's two bodies would
   * together pass the budget; it stops once the entry has left the ring.
   */
  copier(which: "request" | "response"): BodyCopier {
    // The copy replaces a body kept before (a mock read the request, then the proxy copies the
    // same body as it forwards it): that one stops counting, or the body counts twice and the
    // copy is cut at the budget less the first reading.
    this.#release(which);
    let length = 0;
    return {
      room: (size) => {
        const room = Math.max(0, Math.min(size, this.maxBody - length, this.#roomLeft()));
        length += room;
        if (room !== 0) this.#grow(which, room);
        return room;
      },
      done: (bytes, truncated) => this.#keep(which, bytes, truncated),
    };
  }

  /** Forgets the body `which` holds, and its bytes. */
  #release(which: "request" | "response"): void {
    const held = which === "request" ? this.#requestHeld : this.#responseHeld;
    if (held === 0 || this.#gone) return;
    this.#grow(which, -held);
    if (which === "request") this.requestBody = undefined;
    else this.responseBody = undefined;
  }

  /** Bytes this entry may still take before its bodies together reach the budget. */
  #roomLeft(): number {
    return this.#gone ? 0 : this.#budget - this.#requestHeld - this.#responseHeld;
  }

  /** One addition per chunk, and one more in the journal when the record is in its ring. */
  #grow(which: "request" | "response", bytes: number): void {
    if (which === "request") this.#requestHeld += bytes;
    else this.#responseHeld += bytes;
    this.#ledger?.grew(bytes);
  }

  /** The body is complete (or was cut): what it holds is counted exactly, the body it replaces no longer. */
  #keep(which: "request" | "response", bytes: Uint8Array, truncated: boolean): void {
    if (this.#gone) return;
    const before = which === "request" ? this.#requestHeld : this.#responseHeld;
    if (bytes.byteLength !== before) this.#grow(which, bytes.byteLength - before);
    if (which === "request") {
      this.requestBody = bytes;
      this.requestBodyTruncated = truncated;
    } else {
      this.responseBody = bytes;
      this.responseBodyTruncated = truncated;
    }
  }

  /** The path and query as entries show it (secret query values redacted); filters match this. */
  shownPath(): string {
    // Kept: a filter reads it of every entry each time it runs (entries(), each waitFor, each new
    // entry against every open wait), and redacting a long path anew took ~10 µs (7,000 characters).
    if (this.#shownOf !== this.path) {
      this.#shown = redactUrl(this.path, this.#redact)!;
      this.#shownOf = this.path;
    }
    return this.#shown!;
  }

  /** `shownPath()`'s text, and the path it was made of (the framework path's is cut after `begin`). */
  #shown: string | undefined = undefined;
  #shownOf: string | undefined = undefined;

  get bodies(): boolean {
    return this.maxBody >= 0;
  }

  finish(id: number): void {
    this.id = id;
    this.durationMs = performance.now() - this.start;
    if (this.status !== undefined) this.ok = this.status < 400;
  }

  /**
   * Keeps at most `maxBody` bytes of a body read whole (a framework payload, an intercept's text,
   * a replay's request, an answer's `ANSWER_BODY`), and no more than fits the budget beside the
   * entry's other body: a body cut for the budget is marked cut as one over `maxBody` is.
   */
  setBody(which: "request" | "response", body: string | Uint8Array): void {
    if (this.#gone) return;
    // The body it replaces (a request read twice, by a rule and then the proxy) frees its room.
    const limit = Math.min(this.maxBody, this.#roomLeft() + (which === "request" ? this.#requestHeld : this.#responseHeld));
    // Each UTF-16 unit is at least one UTF-8 byte: a long text is cut before it is encoded.
    const bytes = typeof body === "string" ? encoder.encode(body.length > limit + 1 ? body.slice(0, limit + 1) : body) : body;
    const truncated = bytes.byteLength > limit;
    // A copy when cut, or when the bytes are a view into a larger buffer (a socket's read, a
    // pool), so that the ring holds at most `limit` bytes per body and nothing else alive.
    const kept = truncated ? bytes.slice(0, limit) : bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    this.#keep(which, kept, truncated);
  }

  /**
   * The request's scope. Read from its headers only now, when nothing read it on the way (no
   * rules existed): then only an explicit scope can be one, as no scope was open.
   */
  scopeOf(headers?: Record<string, string>): string | null {
    if (this.scope !== undefined) return this.scope;
    if (this.kind === "framework") return (this.scope = null);
    const record = headers ?? headerRecord(this.requestHeaders);
    this.scope = record ? explicitScope((name) => record[name]) : null;
    return this.scope;
  }

  summary(): string {
    const what = this.method ? `${this.method} ${this.shownPath()}` : `${this.direction ?? ""} ${this.shownPath()}`.trim();
    return `#${this.id} ${this.kind} ${what} → ${this.status ?? (this.ok ? "ok" : "error")}`;
  }

  /**
   * The entry as every reader sees it: headers copied into fresh records, secrets redacted.
   * `bodies: false` leaves the bodies out, and the work of reading them (the dashboard's list).
   */
  toEntry(bodies = true): JournalEntry {
    const redact = this.#redact;
    const requestHeaders = headerRecord(this.requestHeaders);
    const responseHeaders = headerRecord(this.responseHeaders);
    const requestBody = bodies ? bodyText(this.requestBody, this.requestBodyTruncated, requestHeaders?.["content-type"], redact) : undefined;
    const responseBody = bodies ? bodyText(this.responseBody, this.responseBodyTruncated, responseHeaders?.["content-type"], redact) : undefined;
    // Sizes first: `content-length` is never redacted, but a user may add any name.
    const requestSize = sizeOf(requestHeaders);
    const responseSize = this.responseSize ?? sizeOf(responseHeaders);
    // The scope before redaction: it may ride in the `crossipc-scope` cookie.
    const scope = this.scopeOf(requestHeaders);
    redactHeaders(requestHeaders, redact);
    redactHeaders(responseHeaders, redact);
    const entry: JournalEntry = {
      id: this.id,
      time: Math.round(timeOrigin + this.start),
      kind: this.kind,
      method: this.method,
      path: this.shownPath(),
      url: this.url === undefined ? undefined : redactUrl(urlWithoutHubToken(this.url), redact),
      takenBy: this.takenBy,
      route: this.route,
      target: redactUrl(this.target, redact),
      retried: this.retried,
      rule: this.rule,
      scope,
      status: this.status,
      ok: this.ok,
      durationMs: Math.round(this.durationMs * 1000) / 1000,
      requestSize,
      responseSize,
      clientId: this.clientId,
      runtimeId: this.runtimeId,
      direction: this.direction,
      error: redactUrl(this.error, redact),
      fault: this.fault,
      requestHeaders,
      responseHeaders,
      requestBody: requestBody?.text,
      responseBody: responseBody?.text,
      requestBodyEncoding: requestBody?.encoding,
      responseBodyEncoding: responseBody?.encoding,
      requestBodyTruncated: this.bodies && requestBody !== undefined ? this.requestBodyTruncated : undefined,
      responseBodyTruncated: this.bodies && responseBody !== undefined ? this.responseBodyTruncated : undefined,
      responseBodyDecoded: this.responseBodyDecoded,
    };
    for (const key of Object.keys(entry) as Array<keyof JournalEntry>) if (entry[key] === undefined) delete entry[key];
    return entry;
  }
}

/**
 * Headers as a null-prototype record with lower-cased names: a header named `__proto__` or
 * `constructor` is a header like any other. A name sent twice (two `Set-Cookie`, which
 * `Headers` iterates one by one) keeps every value: joined with `, ` as `Headers.get` does, but
 * `set-cookie` with a line break (its values may hold `, ` themselves, in `Expires`).
 */
export function headerRecord(source: HeaderSource | undefined): Record<string, string> | undefined {
  if (!source) return undefined;
  const out: Record<string, string> = Object.create(null);
  const add = (key: string, value: string) => {
    const name = key.toLowerCase();
    out[name] = out[name] === undefined ? value : `${out[name]}${name === "set-cookie" ? "\n" : ", "}${value}`;
  };
  if (source instanceof Headers) source.forEach((value, key) => add(key, value));
  else if (Array.isArray(source)) {
    if (typeof source[0] === "string") for (let i = 0; i + 1 < source.length; i += 2) add(source[i] as string, source[i + 1] as string);
    else for (const [key, value] of source as Array<[string, string]>) add(key, value);
  } else {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (value !== undefined) add(key, Array.isArray(value) ? value.join(key.toLowerCase() === "set-cookie" ? "\n" : ", ") : value);
    }
  }
  return out;
}

/**
 * One header's value from headers in whatever form the runtime gave them, without building a
 * Headers object (srvx's FastResponse on Node would build one just to be asked).
 */
export function headerOf(source: HeaderSource | undefined, name: string): string | undefined {
  if (!source) return undefined;
  if (source instanceof Headers) return source.get(name) ?? undefined;
  if (Array.isArray(source)) {
    if (typeof source[0] === "string") {
      for (let i = 0; i + 1 < source.length; i += 2) if ((source[i] as string).toLowerCase() === name) return source[i + 1] as string;
    } else {
      for (const [key, value] of source as Array<[string, string]>) if (key.toLowerCase() === name) return value;
    }
    return undefined;
  }
  for (const key in source) {
    if (key.toLowerCase() !== name) continue;
    const value = source[key];
    return Array.isArray(value) ? value.join(", ") : value;
  }
  return undefined;
}

function sizeOf(headers: Record<string, string> | undefined): number | undefined {
  const length = headers?.["content-length"];
  return length === undefined || length === "" ? undefined : Number(length);
}

const encoder = new TextEncoder();

/**
 * A body as an entry shows it: its text without the server's own secrets and without the values
 * of redacted names in a form or JSON body (./_redactBody.ts), or base64 when it is not UTF-8.
 */
function bodyText(bytes: Uint8Array | undefined, truncated: boolean, contentType: string | undefined, redact: Redaction): { text: string; encoding?: "base64" } | undefined {
  if (bytes === undefined) return undefined;
  const text = strictUtf8(bytes) ?? (truncated ? strictUtf8(bytes.subarray(0, completeLength(bytes))) : undefined);
  return text === undefined ? { text: toBase64(bytes), encoding: "base64" } : { text: redactBodyNames(redactBodyText(text, redact), contentType, redact) };
}

/** The length of `bytes` without a UTF-8 sequence that the cut at `maxBodySize` left incomplete. */
function completeLength(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    return byte >= 0xc0 ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Reads a body copy into `copy`, chunk by chunk as `copy.room` allows, then lets go of it (the
 * other copy keeps flowing) and hands `copy.done` the bytes and whether they were cut.
 */
export async function readCopy(stream: ReadableStream<Uint8Array>, copy: BodyCopier): Promise<void> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = copy.room(value.byteLength);
      if (room < value.byteLength) {
        if (room !== 0) chunks.push(value.subarray(0, room));
        length += room;
        truncated = true;
        await reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
      length += value.byteLength;
    }
  } catch {
    // The body failed (the client went away, a compressed body was corrupt): keep what was read.
  }
  copy.done(concat(chunks, length), truncated);
}

/** What a record tells its journal while it is in the ring (journal.ts keeps the budget). */
export interface BodyLedger {
  /** The record's bodies hold `bytes` more (fewer, when negative). */
  grew(bytes: number): void;
}
