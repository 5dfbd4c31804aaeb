import { explicitScope } from "../mocks/_scope.ts";

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
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  /** Only with `journal: { bodies: true }`, cut at `maxBodySize` bytes (then `…Truncated` is true). */
  requestBody?: string;
  responseBody?: string;
  requestBodyTruncated?: boolean;
  responseBodyTruncated?: boolean;
}

/** Headers as the runtime has them: a Headers object, a record, a list of pairs, or Node's flat raw list. */
type HeaderSource = Headers | Record<string, string | string[] | undefined> | Array<[string, string]> | string[];

const timeOrigin = performance.timeOrigin;

/** The framework path's access token has no place in a journal that CI logs print. */
export function withoutToken(path: string): string {
  return path.includes("token=") ? path.replace(/([?&]token=)[^&]*/g, "$1***") : path;
}

/**
 * The journal's internal record: one object per request, filled in as the request is handled.
 * Headers stay as the runtime gave them (a reference, no copy) until an entry is read.
 */
export class JournalRecord {
  id = 0;
  readonly kind: JournalKind;
  readonly start: number = performance.now();
  path: string;
  method: string | undefined = undefined;
  takenBy: JournalTakenBy = "none";
  route: string | undefined = undefined;
  rule: string | undefined = undefined;
  /** Set when the pipeline read it (rules existed); otherwise read from the headers when the entry is read. */
  scope: string | null | undefined = undefined;
  target: string | undefined = undefined;
  status: number | undefined = undefined;
  ok = true;
  durationMs = 0;
  responseSize: number | undefined = undefined;
  clientId: string | undefined = undefined;
  runtimeId: string | undefined = undefined;
  direction: "in" | "out" | undefined = undefined;
  error: string | undefined = undefined;
  requestHeaders: HeaderSource | undefined = undefined;
  responseHeaders: HeaderSource | undefined = undefined;
  /** Body limit in bytes, or -1 when bodies are not recorded. */
  readonly maxBody: number;
  requestBody: string | undefined = undefined;
  responseBody: string | undefined = undefined;
  requestBodyTruncated = false;
  responseBodyTruncated = false;

  constructor(kind: JournalKind, path: string, maxBody: number) {
    this.kind = kind;
    this.path = path;
    this.maxBody = maxBody;
  }

  get bodies(): boolean {
    return this.maxBody >= 0;
  }

  finish(id: number): void {
    this.id = id;
    this.durationMs = performance.now() - this.start;
    if (this.status !== undefined) this.ok = this.status < 400;
  }

  /** Keeps at most `maxBody` bytes of a body read whole (a framework payload, an intercept's text). */
  setBody(which: "request" | "response", text: string): void {
    const cut = cutText(text, this.maxBody);
    if (which === "request") {
      this.requestBody = cut.text;
      this.requestBodyTruncated = cut.truncated;
    } else {
      this.responseBody = cut.text;
      this.responseBodyTruncated = cut.truncated;
    }
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
    const what = this.method ? `${this.method} ${this.path}` : `${this.direction ?? ""} ${this.path}`.trim();
    return `#${this.id} ${this.kind} ${what} → ${this.status ?? (this.ok ? "ok" : "error")}`;
  }

  toEntry(): JournalEntry {
    const requestHeaders = headerRecord(this.requestHeaders);
    const responseHeaders = headerRecord(this.responseHeaders);
    const entry: JournalEntry = {
      id: this.id,
      time: Math.round(timeOrigin + this.start),
      kind: this.kind,
      method: this.method,
      path: this.path,
      takenBy: this.takenBy,
      route: this.route,
      rule: this.rule,
      scope: this.scopeOf(requestHeaders),
      target: this.target,
      status: this.status,
      ok: this.ok,
      durationMs: Math.round(this.durationMs * 1000) / 1000,
      requestSize: sizeOf(requestHeaders),
      responseSize: this.responseSize ?? sizeOf(responseHeaders),
      clientId: this.clientId,
      runtimeId: this.runtimeId,
      direction: this.direction,
      error: this.error,
      requestHeaders,
      responseHeaders,
      requestBody: this.requestBody,
      responseBody: this.responseBody,
      requestBodyTruncated: this.bodies && this.requestBody !== undefined ? this.requestBodyTruncated : undefined,
      responseBodyTruncated: this.bodies && this.responseBody !== undefined ? this.responseBodyTruncated : undefined,
    };
    for (const key of Object.keys(entry) as Array<keyof JournalEntry>) if (entry[key] === undefined) delete entry[key];
    return entry;
  }
}

function headerRecord(source: HeaderSource | undefined): Record<string, string> | undefined {
  if (!source) return undefined;
  const out: Record<string, string> = {};
  if (source instanceof Headers) {
    source.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(source)) {
    const add = (key: string, value: string) => {
      const name = key.toLowerCase();
      out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
    };
    if (typeof source[0] === "string") for (let i = 0; i + 1 < source.length; i += 2) add(source[i] as string, source[i + 1] as string);
    else for (const [key, value] of source as Array<[string, string]>) add(key, value);
  } else {
    for (const key in source) {
      const value = source[key];
      if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

function sizeOf(headers: Record<string, string> | undefined): number | undefined {
  const length = headers?.["content-length"];
  return length === undefined || length === "" ? undefined : Number(length);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function cutText(text: string, max: number): { text: string; truncated: boolean } {
  // UTF-8 is at most 3 bytes per UTF-16 unit: short texts need no encoding to be measured.
  if (text.length * 3 <= max) return { text, truncated: false };
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= max) return { text, truncated: false };
  return { text: decoder.decode(bytes.subarray(0, max)), truncated: true };
}

/**
 * Reads at most `max` bytes of a body copy, then lets go of it (the other copy keeps flowing).
 * Resolves with the text and whether it was cut.
 */
export async function readCopy(stream: ReadableStream<Uint8Array>, max: number): Promise<{ text: string; truncated: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - length;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        length = max;
        truncated = true;
        await reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
      length += value.byteLength;
    }
  } catch {
    // The body failed (the client went away): keep what was read.
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { text: decoder.decode(all), truncated };
}
