/**
 * Journal entries as HAR 1.2: built from `JournalEntry` objects (the journal's read path), so a
 * HAR shows exactly what `journal.entries()` shows, redaction included.
 */
import { CROSSIPC_VERSION } from "../_version.ts";
import { utf8Length } from "../_utf8.ts";
import type { JournalEntry } from "../server/_journalRecord.ts";
import type { HarCookie, HarEntry, HarNameValue, HarPostData } from "./types.ts";
import { jsonListChunks } from "../server/_json.ts";

export const HAR_CREATOR: { name: string; version: string } = { name: "crossipc", version: CROSSIPC_VERSION };

/** True when the entry belongs in a HAR: an HTTP request that a route, the proxy, a replay or nothing took. */
export function isHarEntry(entry: { kind: string; takenBy: string }): boolean {
  return entry.kind === "http" && entry.takenBy !== "framework" && entry.takenBy !== "refused";
}

export function harEntryOf(e: JournalEntry): HarEntry {
  const requestHeaders = e.requestHeaders ?? {};
  const responseHeaders = e.responseHeaders ?? {};
  const url = absoluteUrl(e, requestHeaders);
  const postData = postDataOf(e, requestHeaders);
  const time = e.durationMs;
  const scope = e.scope ?? null;
  // A HEAD, 1xx, 204 or 304 answer sends no body, whatever its content-length says.
  const noBody = e.method === "HEAD" || (e.status !== undefined && (e.status < 200 || e.status === 204 || e.status === 304));
  const entry: HarEntry = {
    startedDateTime: new Date(e.time).toISOString(),
    time,
    request: {
      method: e.method ?? "GET",
      url,
      httpVersion: "HTTP/1.1",
      cookies: requestCookies(requestHeaders["cookie"]),
      headers: pairsOf(requestHeaders),
      queryString: queryOf(url),
      ...(postData ? { postData } : {}),
      headersSize: -1,
      // A body of no stated length that the journal cut: how long it was is not known.
      bodySize: e.requestSize ?? (postData ? (e.requestBodyTruncated ? -1 : bodyLength(e.requestBody, e.requestBodyEncoding)) : 0),
    },
    response: {
      status: e.status ?? 0,
      statusText: STATUS_TEXT[e.status ?? 0] ?? "",
      httpVersion: "HTTP/1.1",
      cookies: responseCookies(responseHeaders["set-cookie"]),
      headers: pairsOf(responseHeaders),
      content: contentOf(e, responseHeaders, noBody),
      redirectURL: responseHeaders["location"] ?? "",
      headersSize: -1,
      bodySize: noBody ? 0 : (e.responseSize ?? (e.responseBody !== undefined && !e.responseBodyDecoded && !e.responseBodyTruncated ? bodyLength(e.responseBody, e.responseBodyEncoding) : -1)),
    },
    cache: {},
    // The journal measures until the answer's head was ready: that is the wait.
    timings: { send: 0, wait: time, receive: 0 },
    _crossipc: { id: e.id, takenBy: e.takenBy, scope, client: e.runtimeId ?? e.clientId ?? null },
  };
  const extra = entry._crossipc!;
  if (e.route !== undefined) extra.route = e.route;
  if (e.target !== undefined) extra.target = e.target;
  if (e.requestBodyTruncated) extra.requestBodyTruncated = true;
  if (e.responseBodyTruncated) extra.responseBodyTruncated = true;
  return entry;
}

/** The HAR document as JSON text in pieces, one per entry: a large journal is never one string. */
export function harJsonChunks(entries: Iterable<HarEntry>): Generator<string> {
  return jsonListChunks(`{"log":{"version":"1.2","creator":${JSON.stringify(HAR_CREATOR)},"pages":[],"entries":[\n`, entries, "\n]}}\n", ",\n");
}

function absoluteUrl(e: JournalEntry, headers: Record<string, string>): string {
  if (e.url !== undefined) return e.url;
  return `http://${headers["host"] ?? "127.0.0.1"}${e.path}`;
}

function pairsOf(headers: Record<string, string>): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const name in headers) {
    const value = headers[name]!;
    if (name === "set-cookie") for (const line of setCookieLines(value)) out.push({ name, value: line });
    else out.push({ name, value });
  }
  return out;
}

function queryOf(url: string): HarNameValue[] {
  const mark = url.indexOf("?");
  if (mark === -1) return [];
  const out: HarNameValue[] = [];
  for (const [name, value] of new URLSearchParams(url.slice(mark + 1).split("#", 1)[0])) out.push({ name, value });
  return out;
}

function postDataOf(e: JournalEntry, headers: Record<string, string>): HarPostData | undefined {
  if (e.requestBody === undefined || e.requestBody === "") return undefined;
  const postData: HarPostData = { mimeType: headers["content-type"] ?? "", text: e.requestBody };
  if (e.requestBodyEncoding === "base64") postData._encoding = "base64";
  return postData;
}

function contentOf(e: JournalEntry, headers: Record<string, string>, noBody: boolean): HarEntry["response"]["content"] {
  const mimeType = headers["content-type"] ?? "";
  if (e.responseBody === undefined) return { size: noBody ? 0 : (e.responseSize ?? 0), mimeType };
  const kept = bodyLength(e.responseBody, e.responseBodyEncoding);
  // `size` is the body's length: of a body cut at maxBodySize, the bytes sent when it went
  // uncompressed (a decoded one's length is not known: the part kept, and no compression claimed).
  const cut = e.responseBodyTruncated === true;
  const size = cut && !e.responseBodyDecoded && e.responseSize !== undefined ? Math.max(kept, e.responseSize) : kept;
  const content: HarEntry["response"]["content"] = { size, mimeType, text: e.responseBody };
  if (e.responseBodyEncoding === "base64") content.encoding = "base64";
  if (e.responseBodyDecoded && e.responseSize !== undefined && !cut) content.compression = size - e.responseSize;
  // An encoding the runtime could not undo (br on Node 20): the text is the body as sent, and a
  // replay sends it with its content-encoding. HAR readers that expect decoded text see bytes.
  const encoding = headers["content-encoding"];
  if (encoding && encoding !== "identity" && !e.responseBodyDecoded) content._contentEncoding = encoding;
  return content;
}

function bodyLength(text: string | undefined, encoding: string | undefined): number {
  if (text === undefined) return 0;
  if (encoding !== "base64") return utf8Length(text);
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * The cookies of a joined `set-cookie` value, one per line: the journal joins them with a
 * newline; a value joined with `, ` (as `Headers.get` does) is split where a comma is followed
 * by `name=`, so an `Expires=Wed, 21 Oct 2037` date stays whole.
 */
function setCookieLines(value: string): string[] {
  return value.split("\n").flatMap((line) => line.split(/,\s*(?=[^;,=\s]+=)/));
}

/** `a=1; b=2`. A redacted header has no cookies to show. */
function requestCookies(header: string | undefined): HarCookie[] {
  if (!header || header === "[redacted]") return [];
  const out: HarCookie[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    out.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
  }
  return out;
}

/** One cookie per set-cookie line, with its attributes. */
function responseCookies(header: string | undefined): HarCookie[] {
  if (!header) return [];
  const out: HarCookie[] = [];
  for (const line of setCookieLines(header)) {
    if (line === "[redacted]") continue;
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const cookie: HarCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
    for (const attribute of attributes) {
      const [rawKey = "", ...rest] = attribute.split("=");
      const key = rawKey.trim().toLowerCase();
      const value = rest.join("=").trim();
      if (key === "path") cookie.path = value;
      else if (key === "domain") cookie.domain = value;
      else if (key === "expires") {
        const date = new Date(value);
        if (!Number.isNaN(date.getTime())) cookie.expires = date.toISOString();
      } else if (key === "httponly") cookie.httpOnly = true;
      else if (key === "secure") cookie.secure = true;
    }
    out.push(cookie);
  }
  return out;
}

/** Reason phrases (RFC 9110): the journal keeps the status code only. */
const STATUS_TEXT: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
  204: "No Content", 205: "Reset Content", 206: "Partial Content", 300: "Multiple Choices", 301: "Moved Permanently",
  302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Content", 425: "Too Early", 426: "Upgrade Required",
  428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  499: "Client Closed Request", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
};
