/**
 * Reading a HAR 1.2 document for replay: every entry is checked (the fields HAR 1.2 requires,
 * bodies that decode) before anything is indexed, so a bad file changes nothing. A request body
 * is decoded here (the index keys on it); a response body when it first answers, once.
 */
import { HarError, PastRoom } from "./_errors.ts";
import { multipartBoundary } from "./_keys.ts";
import type { PreparedAnswer } from "./_answer.ts";
import { quoted } from "../_excerpt.ts";
// A method and a header name are both RFC 9110 tokens; a value is what a response may carry.
import { HEADER_NAME as TOKEN, HEADER_VALUE, tooManyAnswerHeaders } from "../_httpHeader.ts";
import { utf8Length } from "../_utf8.ts";

/** One recorded exchange, as the replay index keeps it. */
export interface RecordedExchange {
  /** Index in `log.entries`. */
  index: number;
  method: string;
  /** Path as `new URL(url).pathname` has it. */
  path: string;
  /** Query pairs as recorded, for the 404's "closest" and for its text. */
  query: Array<[string, string]>;
  requestBody: Uint8Array;
  /** The boundary of a multipart request body (`postData.mimeType`, else the request's content-type). */
  requestBoundary: string | undefined;
  status: number;
  /** The recorded response headers as the HAR lists them, less HTTP/2 pseudo-headers (checked at load). */
  headers: ReadonlyArray<{ name: string; value: string }>;
  /**
   * The response body as the HAR holds it (checked at load), made bytes on its first use
   * (`responseBytes`): encoding every body at load cost one Uint8Array per entry, most of a large
   * recording's load time in garbage collection, for answers a run may never give. Emptied once
   * its prepared answer holds the bytes (./Replay.ts), so a body is kept once, as `bytes` counts it.
   */
  bodyText: string;
  /** `bodyText` is base64 (`content.encoding`). */
  bodyBase64: boolean;
  /** The content-encoding `body` is still in (crossipc's `_contentEncoding`); otherwise the body is decoded. */
  contentEncoding: string | undefined;
  /** The answer as it goes out, worked out on its first use (./_answer.ts). */
  prepared?: PreparedAnswer;
}

export interface LoadedHar {
  exchanges: RecordedExchange[];
  /** Entries that cannot be answered (status 0 or -1: no answer was recorded; 1xx; 499: the client left; a body cut at the recording's limit). */
  skipped: number;
  /** What the exchanges keep of the HAR, in bytes (`keptBytes`): what a remote replay counts against its hub's budget (./_harBudget.ts). */
  bytes: number;
}

/** The journal's status for a request whose client left before its answer: none was sent. */
const CLIENT_CLOSED_REQUEST = 499;

/** Largest HAR text accepted (a JavaScript string holds at most ~512 MiB in V8). */
export const MAX_HAR_TEXT: number = 512 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * `room`: the bytes the replay may keep (a remote replay: what its budget has left, ./_harBudget.ts).
 * The load stops with a `PastRoom` as soon as what it has built passes it while more is left to
 * build: a HAR whose built form is many times its text (query pairs: ~12×) was built in full and
 * only then refused, by a connection at its limit too. What has fully loaded is counted as before.
 */
export function loadHar(input: unknown, room: number = Infinity): LoadedHar {
  const document = typeof input === "string" ? parseHarText(input) : input instanceof Uint8Array ? parseHarText(new TextDecoder().decode(input)) : input;
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new HarError(`not HAR 1.2: expected an object with a log, got ${quoted(document)}`);
  const log = field(document, "log", "object", "the document");
  const version = field(log, "version", "string", "log");
  if (version !== "1.2") throw new HarError(`not HAR 1.2: log.version is ${quoted(version)}`);
  const creator = field(log, "creator", "object", "log");
  field(creator, "name", "string", "log.creator");
  field(creator, "version", "string", "log.creator");
  const entries = field(log, "entries", "array", "log") as unknown[];
  const exchanges: RecordedExchange[] = [];
  let skipped = 0;
  let bytes = 0;
  for (let index = 0; index < entries.length; index++) {
    let exchange: RecordedExchange | undefined;
    try {
      exchange = exchangeOf(entries[index], index, bytes, room);
    } catch (error) {
      if (error instanceof HarError && error.entry === undefined) throw new HarError(`entry ${index}: ${error.message}`, index);
      throw error;
    }
    if (exchange) {
      exchanges.push(exchange);
      bytes += keptBytes(exchange);
      // The last entry built, the replay is whole but for its index (../_index.ts stops likewise): counted exactly, as before.
      if (bytes > room && index < entries.length - 1) throw new PastRoom(bytes);
    } else skipped++;
  }
  return { exchanges, skipped, bytes };
}

/**
 * The heap one exchange takes besides its bodies, headers and URL: its object, arrays and index
 * entries. 742 bytes measured on Node 20 for a GET with no headers, query or body (100,000 of them
 * in one replay); without it a HAR of many small entries counted ~18 bytes each, and a connection's
 * budget let it hold millions of them.
 */
const EXCHANGE_BYTES = 768;

/**
 * The heap one answer header takes besides its name's and value's bytes: its object and its
 * strings' own headers. Measured on Node 20 (4,000 entries of 256 headers): 51 bytes a header of
 * one-letter name and value, 78 of `x-12: v3456-12`. Without it entries of 256 one-letter headers
 * counted 2 bytes a header, a tenth of what they held.
 */
const HEADER_BYTES = 64;

/**
 * The same for a query pair: its array and two strings cut from the query. 129 bytes a pair of
 * `q12=3456` measured (4,000 entries of 256 pairs, Node 20), ~18 of which the pair and its index key count.
 */
const QUERY_PAIR_BYTES = 112;

/**
 * What a loaded exchange keeps of its entry, in bytes: the request body, the response body's text
 * (UTF-8; base64 is ASCII; its decoded bytes, made on first use, take its place and are no more),
 * the answer's header names and values (Latin-1 by HEADER_VALUE: one byte each), the path, the
 * query, `_contentEncoding`, `HEADER_BYTES` and `QUERY_PAIR_BYTES` for each header and query pair, and
 * `EXCHANGE_BYTES`. The rest of the entry (timings, the request's headers, cookies) is
 * not kept, so not counted.
 */
function keptBytes(exchange: RecordedExchange): number {
  let bytes = EXCHANGE_BYTES + exchange.requestBody.byteLength + exchange.path.length + (exchange.bodyBase64 ? exchange.bodyText.length : utf8Length(exchange.bodyText));
  bytes += exchange.headers.length * HEADER_BYTES + exchange.query.length * QUERY_PAIR_BYTES;
  for (const { name, value } of exchange.headers) bytes += name.length + value.length;
  // Only a flag for the answer, but kept as the HAR has it, of any length.
  if (exchange.contentEncoding !== undefined) bytes += utf8Length(exchange.contentEncoding);
  for (const [name, value] of exchange.query) bytes += utf8Length(name) + utf8Length(value);
  return bytes;
}

/**
 * A HAR's JSON text as a document. A leading byte order mark is skipped: Fiddler saves its HARs
 * with one (and editors on Windows), and JSON.parse refuses it.
 */
export function parseHarText(text: string): unknown {
  if (text.length > MAX_HAR_TEXT) throw new HarError(`the HAR text is ${Math.round(text.length / 1048576)} MiB, more than the ${MAX_HAR_TEXT / 1048576} MiB a replay reads: split the recording`);
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new HarError(`not HAR 1.2: not JSON (${(error as Error).message})`);
  }
}

/** `held`: what the entries before it keep; `room`: what the replay may keep (`loadHar`). */
function exchangeOf(entry: unknown, index: number, held: number, room: number): RecordedExchange | undefined {
  check(entry, "object", `the entry`);
  field(entry, "startedDateTime", "string", "entry");
  field(entry, "time", "number", "entry");
  field(entry, "cache", "object", "entry");
  const timings = field(entry, "timings", "object", "entry");
  for (const name of TIMINGS) field(timings, name, "number", "timings");

  const request = field(entry, "request", "object", "entry");
  const method = field(request, "method", "string", "request") as string;
  if (!TOKEN.test(method)) throw new HarError(`request.method ${quoted(method)} is not an HTTP method`);
  const url = field(request, "url", "string", "request") as string;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarError(`request.url ${quoted(url, 200)} is not an absolute URL`);
  }
  const path = parsed.pathname;
  field(request, "httpVersion", "string", "request");
  nameValues(field(request, "cookies", "array", "request"), "request.cookies");
  const requestHeaders = nameValues(field(request, "headers", "array", "request"), "request.headers");
  nameValues(field(request, "queryString", "array", "request"), "request.queryString");
  field(request, "headersSize", "number", "request");
  field(request, "bodySize", "number", "request");
  const postData = optional(request, "postData", "object", "request");
  // The two parts an entry makes anew, its query's pairs and its request body, are counted before
  // they are made: one entry's 0.9 MiB query of `ab=cd&…` makes ~157,000 pairs, ~17 MiB. A file's
  // load (no room to keep within) skips the count.
  if (room !== Infinity) {
    const least = held + EXCHANGE_BYTES + path.length + pairCount(parsed.search) * QUERY_PAIR_BYTES + (postData === undefined ? 0 : leastBodyBytes(postData));
    if (least > room) throw new PastRoom(least);
  }
  const query = queryPairs(parsed.search);
  const requestBody = postData === undefined ? EMPTY : postDataBytes(postData);
  const requestBoundary = requestBody.byteLength === 0 ? undefined : multipartBoundary(postData.mimeType) ?? multipartBoundary(requestHeaders.find(({ name }) => name.toLowerCase() === "content-type")?.value);

  const response = field(entry, "response", "object", "entry");
  const status = field(response, "status", "number", "response") as number;
  // -1: Playwright's recordHar writes a request that failed (no answer) so.
  if (!Number.isInteger(status) || status < -1 || status > 999) throw new HarError(`response.status ${status} is not an HTTP status`);
  field(response, "statusText", "string", "response");
  field(response, "httpVersion", "string", "response");
  nameValues(field(response, "cookies", "array", "response"), "response.cookies");
  const headers = sendableHeaders(nameValues(field(response, "headers", "array", "response"), "response.headers"));
  field(response, "redirectURL", "string", "response");
  field(response, "headersSize", "number", "response");
  field(response, "bodySize", "number", "response");
  const content = field(response, "content", "object", "response");
  field(content, "size", "number", "response.content");
  field(content, "mimeType", "string", "response.content");
  const bodyBase64 = checkContent(content);
  // A browser's HAR keeps requests that got no answer (status 0, Playwright's -1) and upgrades (101), and
  // crossipc's journal those whose client left first (499, nginx's code): nothing to send back.
  if (status < 200 || status > 599 || status === CLIENT_CLOSED_REQUEST) return undefined;
  // A body the recording cut (at --max-body or --max-total-body): the answer would go out cut, as if whole, and a cut
  // request body matches no live request.
  if (wasCut(entry)) return undefined;
  const contentEncoding = optional(content, "_contentEncoding", "string", "response.content") as string | undefined;
  return {
    index,
    method: method.toUpperCase(),
    path,
    query,
    requestBody,
    requestBoundary,
    status,
    headers,
    bodyText: (content as { text?: string }).text ?? "",
    bodyBase64,
    contentEncoding,
  };
}

const TIMINGS = ["send", "wait", "receive"];
const NO_PAIRS: Array<[string, string]> = [];

/**
 * The query's pairs as `URLSearchParams` has them. A query with no `%` and no `+` decodes to
 * itself, and is split here: a URLSearchParams and its iterator for every entry were a good part
 * of a large recording's load.
 */
function queryPairs(search: string): Array<[string, string]> {
  if (search.length <= 1) return NO_PAIRS;
  if (search.includes("%") || search.includes("+")) return [...new URLSearchParams(search)];
  const pairs: Array<[string, string]> = [];
  for (const part of search.slice(1).split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    pairs.push(equals === -1 ? [part, ""] : [part.slice(0, equals), part.slice(equals + 1)]);
  }
  return pairs;
}

/** How many pairs `queryPairs` makes of `search`: its non-empty `&`-separated parts (URLSearchParams skips empty ones too), with no string built. */
function pairCount(search: string): number {
  let count = 0;
  for (let start = 1; start < search.length; ) {
    let end = search.indexOf("&", start);
    if (end === -1) end = search.length;
    if (end > start) count++;
    start = end + 1;
  }
  return count;
}

/**
 * No more than the bytes `postDataBytes` makes (read before it makes them): UTF-8 takes at least a
 * byte per UTF-16 unit, base64 decodes to 3 bytes per 4 characters less its padding. A form's
 * `params` count nothing here: their bytes are in the HAR's text already, and counted once built.
 */
function leastBodyBytes(postData: object): number {
  const text = (postData as { text?: unknown }).text;
  if (typeof text !== "string") return 0;
  return (postData as { _encoding?: unknown })._encoding == null ? text.length : Math.max(0, Math.floor(text.length / 4) * 3 - 2);
}

/** The recorded response body's bytes (decoded once, by `prepareAnswer`, when it first answers). */
export function responseBytes(exchange: RecordedExchange): Uint8Array {
  if (exchange.bodyText === "") return EMPTY;
  return exchange.bodyBase64 ? base64Bytes(exchange.bodyText, "response.content.text") : encoder.encode(exchange.bodyText);
}

const EMPTY = new Uint8Array(0);

/** crossipc's journal marks a body it recorded only in part (`_crossipc.requestBodyTruncated`, `responseBodyTruncated`). */
function wasCut(entry: unknown): boolean {
  const own = optional(entry, "_crossipc", "object", "entry") as Record<string, unknown> | undefined;
  return own?.["requestBodyTruncated"] === true || own?.["responseBodyTruncated"] === true;
}

/** `postData.text` (base64 with crossipc's `_encoding`), or the form its `params` make. */
function postDataBytes(postData: object): Uint8Array {
  field(postData, "mimeType", "string", "request.postData");
  const text = optional(postData, "text", "string", "request.postData") as string | undefined;
  if (!text) notAttached(postData, "request.postData");
  const encoding = optional(postData, "_encoding", "string", "request.postData");
  if (text !== undefined) {
    if (encoding === undefined) return encoder.encode(text);
    if (encoding !== "base64") throw new HarError(`request.postData._encoding ${quoted(encoding)} is not "base64"`);
    return base64Bytes(text, "request.postData.text");
  }
  const params = optional(postData, "params", "array", "request.postData") as unknown[] | undefined;
  if (params === undefined) return EMPTY;
  const form = new URLSearchParams();
  params.forEach((param, i) => {
    const name = field(param, "name", "string", `request.postData.params[${i}]`) as string;
    form.append(name, (optional(param, "value", "string", `request.postData.params[${i}]`) as string | undefined) ?? "");
  });
  return encoder.encode(form.toString());
}

/** Checks `content.text` (valid base64 when `encoding` says so) without decoding it; true: base64. */
function checkContent(content: object): boolean {
  const text = optional(content, "text", "string", "response.content") as string | undefined;
  const encoding = optional(content, "encoding", "string", "response.content");
  if (!text) notAttached(content, "response.content");
  if (text === undefined || encoding === undefined || encoding === "") return false;
  if (encoding !== "base64") throw new HarError(`response.content.encoding ${quoted(encoding)} is not "base64"`);
  checkBase64(text, "response.content.text");
  return true;
}

/**
 * Playwright's recordHar with `content: "attach"` (its default for a .zip) keeps each body in a
 * file beside the HAR, named in `_file`: a replay reads no files, and answering an empty body in
 * its place would look like what was recorded.
 */
function notAttached(holder: object, where: string): void {
  const file = optional(holder, "_file", "string", where);
  if (file !== undefined) throw new HarError(`${where}._file ${quoted(file)}: the body is in a file beside the HAR, which a replay does not read; record with content: "embed" (Playwright's recordHar) to keep bodies in the HAR`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function checkBase64(text: string, where: string): void {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new HarError(`${where} is not valid base64`);
}

function base64Bytes(text: string, where: string): Uint8Array {
  checkBase64(text, where);
  const native = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (native) return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function nameValues(list: unknown, where: string): Array<{ name: string; value: string }> {
  const out = list as Array<{ name: string; value: string }>;
  for (let i = 0; i < out.length; i++) {
    const item = out[i] as unknown as Record<string, unknown> | null;
    // The place is named only when something is wrong: two strings per pair were built for every pair of every entry.
    if (typeof item !== "object" || item === null || Array.isArray(item) || typeof item["name"] !== "string" || typeof item["value"] !== "string") {
      field(item, "name", "string", `${where}[${i}]`);
      field(item, "value", "string", `${where}[${i}]`);
    }
  }
  return out;
}


/**
 * The recorded answer's headers are sent back, so each must be one a Response can carry: a bad
 * one would otherwise pass the load and fail every request it answers (an empty 500). HTTP/2
 * pseudo-headers (`:status`), which some DevTools exports list, are not headers and are left out.
 */
function sendableHeaders(list: Array<{ name: string; value: string }>): Array<{ name: string; value: string }> {
  // Refused at load, as a bad header is: each request the entry answered paid for them (../_httpHeader.ts).
  // Pseudo-headers are dropped below and never reach the answer, so they do not count.
  let count = 0;
  let bytes = 0;
  for (const { name, value } of list) {
    if (name.startsWith(":")) continue;
    count++;
    bytes += name.length + value.length;
  }
  const tooMany = tooManyAnswerHeaders(count, bytes);
  if (tooMany) throw new HarError(`response.headers: ${tooMany}`);
  list.forEach(({ name, value }, i) => {
    if (name.startsWith(":")) return;
    if (!TOKEN.test(name)) throw new HarError(`response.headers[${i}].name ${quoted(name)} is not an HTTP header name`);
    if (!HEADER_VALUE.test(value)) throw new HarError(`response.headers[${i}].value of ${name} ${quoted(value)} holds a line break or a character a header cannot carry`);
    if (name.toLowerCase() === "content-length" && !/^\d{1,15}$/.test(value.trim())) throw new HarError(`response.headers[${i}].value of content-length ${quoted(value)} is not a length`);
  });
  // The parsed pairs are kept as they are unless one carries more than its name and value (a HAR 1.2
  // `comment`, any field at all): the replay would hold that for its whole life, uncounted
  // (./_harBudget.ts counts names and values). Not copied always: fresh pairs for every header of
  // every entry made a 100,000-entry recording's load ~1.7 times as long.
  if (!list.some((pair) => pair.name.startsWith(":") || carriesMore(pair))) return list;
  const kept: Array<{ name: string; value: string }> = [];
  for (const { name, value } of list) if (!name.startsWith(":")) kept.push({ name, value });
  return kept;
}

/** A pair with a field besides `name` and `value`. */
function carriesMore(pair: object): boolean {
  for (const key in pair) if (key !== "name" && key !== "value") return true;
  return false;
}

type Kind = "object" | "array" | "string" | "number";

function field(parent: unknown, name: string, kind: Kind, where: string): any {
  const value = (parent as Record<string, unknown>)[name];
  if (value === undefined) throw new HarError(`${where}.${name} is missing (HAR 1.2 requires it)`);
  check(value, kind, `${where}.${name}`);
  return value;
}

function optional(parent: unknown, name: string, kind: Kind, where: string): any {
  const value = (parent as Record<string, unknown>)[name];
  if (value === undefined || value === null) return undefined;
  check(value, kind, `${where}.${name}`);
  return value;
}

function check(value: unknown, kind: Kind, where: string): void {
  const ok =
    kind === "array" ? Array.isArray(value) : kind === "object" ? typeof value === "object" && value !== null && !Array.isArray(value) : kind === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === kind;
  if (!ok) throw new HarError(`${where} must be ${kind === "array" || kind === "object" ? "an" : "a"} ${kind}, got ${quoted(value)}`);
}

