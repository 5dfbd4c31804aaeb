/**
 * The scope of a request, read from its headers in the order of SPEC §10: the W3C `baggage`
 * member `crossipc-scope`, an `x-crossipc-scope` header, a `crossipc-scope` cookie, then the
 * trace id of `traceparent`, `x-b3-traceid` or a single `b3` header when it is an open scope's
 * id. Only what the headers say is read; nothing here is kept per request.
 */
import type { HeaderGetter } from "../server/_nodeHeaders.ts";
import { quoted } from "../_excerpt.ts";
import { randomHex } from "../_randomHex.ts";

/** The name of the scope in baggage and in the cookie. */
export const SCOPE_KEY = "crossipc-scope";
export const SCOPE_HEADER = "x-crossipc-scope";

/** The scope a request names itself (baggage, header, cookie), whether or not it is open. */
export function explicitScope(get: HeaderGetter): string | null {
  const baggage = get("baggage");
  if (baggage) {
    const fromBaggage = baggageMember(baggage, SCOPE_KEY);
    if (fromBaggage) return fromBaggage;
  }
  const header = get(SCOPE_HEADER);
  if (header) return header.trim() || null;
  const cookie = get("cookie");
  if (cookie) return cookieValue(cookie, SCOPE_KEY);
  return null;
}

/**
 * The scope of a request on a hub where rules exist: an explicit one, else a trace id that is an
 * open scope's id (a trace id that is not stays unscoped: most traced requests belong to no test).
 */
export function requestScope(get: HeaderGetter, isOpen: (id: string) => boolean): string | null {
  const explicit = explicitScope(get);
  if (explicit) return explicit;
  const trace = traceIdOf(get);
  if (trace && isOpen(trace)) return trace;
  const b3 = get("x-b3-traceid");
  if (b3) {
    const id = b3.trim().toLowerCase();
    if (isOpen(id)) return id;
  }
  const single = b3TraceIdOf(get);
  if (single && isOpen(single)) return single;
  return null;
}

/**
 * The trace id of a single `b3` header (`<trace id>-<span id>[-<sampled>[-<parent>]]`), lower-cased:
 * OpenTelemetry's `b3` propagator (OTEL_PROPAGATORS=b3) sends only this header, not `x-b3-traceid`.
 * Only a 32-character one, as for `traceparent`: a scope's trace id is 32 hex (B3 also allows 16,
 * which no scope has), and a longer value is not copied or lower-cased per request.
 */
function b3TraceIdOf(get: HeaderGetter): string | undefined {
  const value = get("b3")?.trim();
  return value && value.charCodeAt(32) === 45 /* - */ ? value.slice(0, 32).toLowerCase() : undefined;
}

/**
 * The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), read as Trace Context
 * §3.2 says a receiver must: lower-case hex only, neither id all zeros, version `ff` invalid,
 * version `00` exactly 55 characters, and a later version at least that, its extra fields after a
 * `-`. Anything else is not a traceparent and names no scope: a value of any length whose second
 * part was a scope's id counted (`00-<id>-x-y-z`, two traceparent headers joined with `, `).
 */
function traceIdOf(get: HeaderGetter): string | undefined {
  const value = get("traceparent")?.trim();
  if (!value || value.length < TRACEPARENT_LENGTH) return undefined;
  if (value.length > TRACEPARENT_LENGTH && (value.startsWith("00") || value.charCodeAt(TRACEPARENT_LENGTH) !== DASH)) return undefined;
  if (value.charCodeAt(2) !== DASH || value.charCodeAt(35) !== DASH || value.charCodeAt(52) !== DASH) return undefined;
  if (lowerHex(value, 0, 2) === undefined || value.startsWith("ff") || !lowerHex(value, 3, 35) || !lowerHex(value, 36, 52) || lowerHex(value, 53, 55) === undefined) return undefined;
  return value.slice(3, 35);
}

const TRACEPARENT_LENGTH = 55;
const DASH = 45;

/** Whether `value[start, end)` is lower-case hex: `undefined` when not, else whether any digit is not 0. */
function lowerHex(value: string, start: number, end: number): boolean | undefined {
  let nonZero = false;
  for (let i = start; i < end; i++) {
    const code = value.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return undefined;
    if (code !== 48) nonZero = true;
  }
  return nonZero;
}

/**
 * The value of `key` in a W3C baggage list: comma-separated members `key=value;properties`,
 * optional whitespace around each part, values percent-encoded. Parsed, not matched with a
 * pattern, so that a member named `x-crossipc-scope` or a property `crossipc-scope=…` never counts.
 */
export function baggageMember(baggage: string, key: string): string | null {
  for (const member of baggage.split(",")) {
    const semicolon = member.indexOf(";");
    const pair = semicolon === -1 ? member : member.slice(0, semicolon);
    const equals = pair.indexOf("=");
    if (equals === -1 || pair.slice(0, equals).trim() !== key) continue;
    const value = pair.slice(equals + 1).trim();
    return value ? percentDecoded(value) : null;
  }
  return null;
}

/** The value of cookie `name` in a `Cookie` header (`a=1; b=2`). */
function cookieValue(cookie: string, name: string): string | null {
  for (const part of cookie.split(";")) {
    const equals = part.indexOf("=");
    if (equals === -1 || part.slice(0, equals).trim() !== name) continue;
    let value = part.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value ? percentDecoded(value) : null;
  }
  return null;
}

function percentDecoded(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// --- the test's side -----------------------------------------------------------------------

const TRACE_ID = /^[0-9a-f]{32}$/;
const SCOPE_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** A 32-hex, lower-case, non-zero id: a valid W3C and B3 trace id. */
export function isTraceId(id: string): boolean {
  return TRACE_ID.test(id) && !/^0+$/.test(id);
}

/** Throws unless `id` can travel in a header, a baggage value and a cookie unchanged. */
export function assertScopeId(id: string): void {
  if (typeof id !== "string" || !SCOPE_ID.test(id)) {
    throw new TypeError(`Scope id ${quoted(id)} is invalid: use 1-128 characters of A-Z a-z 0-9 . _ ~ -`);
  }
}

/** A scope id that is also a trace id. */
export function newScopeId(): string {
  let id = randomHex(16);
  while (!isTraceId(id)) id = randomHex(16);
  return id;
}

/**
 * What a request of scope `id` carries: `baggage` always; a trace id also rides in
 * `traceparent` and B3's `x-b3-traceid`, which traced services pass on. Exactly these three
 * (SPEC §10): a B3-only tracer (OpenTelemetry with OTEL_PROPAGATORS=b3 or b3multi) also needs a
 * span id to continue the trace, which the README shows a test adding (`x-b3-spanid`), rather
 * than every scoped request carrying two more headers a service's CORS list may not allow.
 */
export function headersForScope(id: string): Record<string, string> {
  const headers: Record<string, string> = { baggage: `${SCOPE_KEY}=${id}` };
  if (isTraceId(id)) {
    let span = randomHex(8);
    while (/^0+$/.test(span)) span = randomHex(8);
    headers.traceparent = `00-${id}-${span}-01`;
    headers["x-b3-traceid"] = id;
  }
  return headers;
}

/**
 * The headers that carry the scope of an incoming request, for a service to add to its own
 * outgoing calls: the scope named in baggage, a header or a cookie goes on as `baggage` (the
 * incoming baggage as it was when it carried the scope, so other members go on too; a cookie's
 * other values are never copied), and `traceparent`/`x-b3-traceid`/`b3` go on as they came (the
 * hub counts them only when they name an open scope). Empty when the request carries none.
 */
export function scopeHeaders(from: ScopeSource): Record<string, string> {
  const get = getterOf(from);
  const out: Record<string, string> = {};
  const baggage = get("baggage");
  const scope = explicitScope(get);
  if (scope) out.baggage = baggage && baggageMember(baggage, SCOPE_KEY) === scope ? baggage : `${SCOPE_KEY}=${encodeURIComponent(scope)}`;
  const traceparent = get("traceparent");
  if (traceparent) out.traceparent = traceparent;
  const b3 = get("x-b3-traceid");
  if (b3) out["x-b3-traceid"] = b3;
  const single = get("b3");
  if (single) out.b3 = single;
  return out;
}

/** A header record as Node's `req.headers` holds it. */
export type HeaderRecord = Record<string, string | string[] | undefined>;
/**
 * What `scopeHeaders` reads: a `Request`, `Headers` or header record, or a server's request
 * object that holds one in `headers` (Node's `IncomingMessage`, Express', Fastify's).
 */
export type ScopeSource = Request | Headers | HeaderRecord | { readonly headers: Headers | HeaderRecord };

function getterOf(from: ScopeSource): HeaderGetter {
  if (typeof Request !== "undefined" && from instanceof Request) return (name) => from.headers.get(name);
  if (typeof Headers !== "undefined" && from instanceof Headers) return (name) => from.get(name);
  if (from && typeof (from as { get?: unknown }).get === "function") return (name) => (from as unknown as Headers).get(name);
  // A node:http service's own request: read as a record, it had no header of ours (its headers
  // are one of its fields), and the scope was silently dropped from the service's calls.
  const held = (from as { headers?: unknown } | null)?.headers;
  if (held !== null && typeof held === "object") return getterOf(held as Headers | HeaderRecord);
  const record = from as Record<string, string | string[] | undefined>;
  const lower = new Map<string, string>();
  for (const key in record) {
    const value = record[key];
    if (value !== undefined) lower.set(key.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
  }
  return (name) => lower.get(name);
}
