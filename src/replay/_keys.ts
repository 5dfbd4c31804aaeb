/**
 * How a live request and a recorded one are compared: the query as sorted pairs (order
 * ignored, repeats kept), the body as canonical JSON when it parses, else its bytes.
 */
import { strictUtf8 } from "../_utf8.ts";
import { exactNumbersText } from "./_exactNumbers.ts";

/** The query's pairs in one order, as one string. */
export function queryKey(pairs: Iterable<[string, string]>): string {
  const parts: string[] = [];
  for (const [name, value] of pairs) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return parts.sort().join("&");
}

/**
 * `""` for no body; `m` + the bytes less every occurrence of the boundary for a multipart body
 * (a boundary is drawn at random per request: `FormData` sent twice differs only there);
 * `j` + canonical JSON for a JSON body (`n` + it when it holds a number a double does not keep:
 * ./_exactNumbers.ts); `b` + the bytes one char each otherwise.
 */
export function bodyKey(bytes: Uint8Array, boundary?: string): string {
  if (bytes.byteLength === 0) return "";
  if (boundary !== undefined) {
    const text = byteString(bytes);
    if (text.includes(boundary)) return `m${text.split(boundary).join("")}`;
  }
  const json = canonicalJson(bytes);
  if (json !== undefined) return json;
  return `b${byteString(bytes)}`;
}

/** The boundary of a `multipart/*` content type, or undefined. */
export function multipartBoundary(contentType: string | null | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,200})"|([^;,\s]{1,200}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** The bytes one char each (latin1), as a string a Map can key on. */
function byteString(bytes: Uint8Array): string {
  // `apply` over a typed array, not `...spread`: spreading iterates element by element and held
  // the event loop ~1 s per MiB (a 3 MiB upload froze the hub long enough for a backend's
  // keep-alive to expire under a pooled connection). Chunks stay under engines' argument limits.
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x2000) parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000) as unknown as number[]));
  return parts.join("");
}

/** True when the body starts like a JSON value (after whitespace): only then is it parsed. */
export function looksJson(bytes: Uint8Array): boolean {
  let first = 0;
  while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09)) first++;
  const c = bytes[first];
  return c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

function canonicalJson(bytes: Uint8Array): string | undefined {
  // A binary body costs one look at one byte.
  if (!looksJson(bytes)) return undefined;
  const text = strictUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    // A number a double does not keep (11111111111111111, 1e400) is compared as its text says it: `n` + that text's canonical JSON.
    const exact = exactNumbersText(text);
    return exact === undefined ? `j${JSON.stringify(sorted(value))}` : `n${JSON.stringify(sorted(JSON.parse(exact)))}`;
  } catch {
    // Not JSON, or nested deeper than a stack holds: compared byte for byte.
    return undefined;
  }
}

/** Objects with their keys in one order, so that equal JSON serialises equally. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  // No prototype: a "__proto__" key stays a key.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}
