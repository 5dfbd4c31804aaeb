/**
 * Secrets in a request's or an answer's body, by the names that are redacted in headers and
 * query parameters (./_redact.ts): what a user expects of a HAR that gets shared. An OAuth token
 * request (`application/x-www-form-urlencoded`: `grant_type=password&password=…&client_secret=…`)
 * and its answer (`{"access_token": "…", "refresh_token": "…"}`), a login form, a JSON login:
 * each secret there was kept as sent.
 *
 * - A form-encoded body (by its content type): `name=value` pairs whose decoded name is redacted
 *   read `name=[redacted]`, as in a query.
 * - A multipart form (`FormData`, `multipart/form-data`): a part named by a redacted name reads
 *   `[redacted]` for its content.
 * - A JSON body (a content type naming json, or a body that starts with `{` or `[`): a string or
 *   number value under a redacted key, at any depth, reads `"[redacted]"`. Read with a scanner,
 *   not `JSON.parse`: the rest of the text stays byte for byte as sent (spacing, key order,
 *   numbers), and a body the journal cut at its limit, which no parser takes, is redacted too (a
 *   value cut in the middle reads `"[redacted]"`, never its first half).
 * Each is one pass over text the journal already holds (at most its body limit); a value under an
 * object or array is left as it is (its own keys are looked at).
 */
import { decodedName, isRedactedName, REDACTED, type Redaction } from "./_redact.ts";
import { multipartBoundary } from "../replay/_keys.ts";

/** `text` (a body, cut or whole) with the values of redacted names replaced. */
export function redactBodyNames(text: string, contentType: string | undefined, redaction: Redaction): string {
  if (!redaction || text === "") return text;
  if (contentType !== undefined && FORM.test(contentType)) return redactForm(text, redaction.names);
  const boundary = contentType !== undefined && MULTIPART_FORM.test(contentType) ? multipartBoundary(contentType) : undefined;
  if (boundary !== undefined) return redactMultipart(text, boundary, redaction.names);
  if ((contentType !== undefined && JSON_TYPE.test(contentType)) || STARTS_LIKE_JSON.test(text)) return redactJson(text, redaction.names);
  return text;
}

const FORM = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;
const MULTIPART_FORM = /^\s*multipart\/form-data\s*;/i;
const JSON_TYPE = /^\s*[\w.+-]+\/(?:[\w.-]+\+)?json\s*(;|$)/i;
const STARTS_LIKE_JSON = /^\s*[{[]/;

/** The pairs of a form body (`a=1&password=x`); a name decoded as a query's (`+` a space, `%74oken`). */
function redactForm(text: string, names: ReadonlySet<string>): string {
  return text.replace(FORM_PAIR, (pair: string, separator: string, name: string) => (isRedactedName(names, decodedName(name)) ? `${separator}${name}=${REDACTED}` : pair));
}

/** A pair: cannot backtrack (a name stops at `=` or `&`, a value at `&`). */
const FORM_PAIR = /(^|&)([^=&]*)=[^&]*/g;

/**
 * The parts of a multipart form: one whose `content-disposition` names a redacted name has its
 * content (up to the line break before the next boundary, or to the end of a cut body) replaced.
 */
function redactMultipart(text: string, boundary: string, names: ReadonlySet<string>): string {
  const delimiter = `--${boundary}`;
  const parts = text.split(delimiter);
  let changed = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const headEnd = part.indexOf("\r\n\r\n");
    if (headEnd === -1) continue; // the closing delimiter's tail, or a body cut in a part's head
    const name = partName(part, headEnd);
    if (name === undefined || !isRedactedName(names, name.toLowerCase())) continue;
    const contentEnd = i < parts.length - 1 && part.endsWith("\r\n") ? part.length - 2 : part.length;
    parts[i] = `${part.slice(0, headEnd + 4)}${REDACTED}${part.slice(contentEnd)}`;
    changed = true;
  }
  return changed ? parts.join(delimiter) : text;
}

/**
 * A part's field name (`content-disposition: form-data; name="password"`), at most a name's
 * length: the first `name` parameter of a line of its head (`part[0, headEnd)`) that starts with
 * `content-disposition:`. Line by line, each line looked at once: one pattern over the whole head
 * (`content-disposition:[^\r\n]*?;\s*name="…"`) was tried again from every place the header's name
 * appeared, each time to the end of the line, and a page's form field named
 * `content-disposition:` 100,000 times (a simple request, no preflight) held the hub's thread for
 * minutes whenever the journal's entry was read (its HAR, the dashboard, `--record` writing FILE).
 */
function partName(part: string, headEnd: number): string | undefined {
  for (let start = 0; start < headEnd; ) {
    const lineEnd = part.indexOf("\r\n", start);
    const end = lineEnd === -1 || lineEnd > headEnd ? headEnd : lineEnd;
    if (end - start > DISPOSITION.length && part.slice(start, start + DISPOSITION.length).toLowerCase() === DISPOSITION) {
      const name = NAME_PARAMETER.exec(part.slice(start + DISPOSITION.length, end))?.[1];
      if (name !== undefined) return name;
    }
    start = end + 2;
  }
  return undefined;
}

const DISPOSITION = "content-disposition:";
/** From a `;` on: each try stops at the first character that cannot follow (a name is at most 64 characters). */
const NAME_PARAMETER = /;\s*name="([^"\r\n]{0,64})"/i;

/** The longest key compared with the names (none is longer): a longer key is not lower-cased. */
const LONGEST_NAME = 64;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const NUMBER = /-?\d[\d.eE+-]*/y;
const SPACE = /[ \t\r\n]*/y;

/**
 * The JSON text with each string or number under a redacted key replaced by `"[redacted]"`. One
 * pass: every string is stepped over whole (a key is a string followed by `:`), so a key-like
 * text inside a string value is never taken for a key.
 */
function redactJson(text: string, names: ReadonlySet<string>): string {
  const parts: string[] = [];
  let kept = 0;
  let at = 0;
  while ((at = text.indexOf('"', at)) !== -1) {
    const end = stringEnd(text, at);
    if (end === text.length) break; // cut inside a string
    const colon = skipSpace(text, end + 1);
    if (text.charCodeAt(colon) !== COLON) {
      at = end + 1;
      continue;
    }
    const key = end - at - 1 <= LONGEST_NAME ? keyOf(text.slice(at, end + 1)) : undefined;
    const start = skipSpace(text, colon + 1);
    at = start;
    if (key === undefined || !isRedactedName(names, key)) continue;
    const valueEnd = valueEndAt(text, start);
    if (valueEnd === start) continue; // an object, an array, true, false or null: left as it is
    parts.push(text.slice(kept, start), `"${REDACTED}"`);
    kept = at = valueEnd;
  }
  if (kept === 0) return text;
  parts.push(text.slice(kept));
  return parts.join("");
}

/** The index of the quote that ends the string opened at `start`, or `text.length` when the text ends first. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return text.length;
}

function skipSpace(text: string, from: number): number {
  SPACE.lastIndex = from;
  SPACE.test(text);
  return SPACE.lastIndex;
}

/** A key (its JSON string, quotes included) lower-cased, escapes read (`"pass\u0077ord"`); undefined when it is not valid JSON. */
function keyOf(quoted: string): string | undefined {
  if (!quoted.includes("\\")) return quoted.slice(1, -1).toLowerCase();
  try {
    return (JSON.parse(quoted) as string).toLowerCase();
  } catch {
    return undefined;
  }
}

/** Where the string or number value at `start` ends (the text's end when it was cut there); `start` for any other value. */
function valueEndAt(text: string, start: number): number {
  if (text.charCodeAt(start) === QUOTE) return Math.min(stringEnd(text, start) + 1, text.length);
  NUMBER.lastIndex = start;
  return NUMBER.test(text) ? NUMBER.lastIndex : start;
}
