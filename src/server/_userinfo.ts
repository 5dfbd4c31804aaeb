/**
 * The secret in a URL's userinfo, wherever a text quotes a URL (a proxy target, a service's base
 * URL, an error or a log line): `http://user:secret@host` reads `http://user:[redacted]@host`, and
 * a user name alone, as GitHub and other services take a token (`https://TOKEN@host`), reads
 * `https://[redacted]@host`.
 *
 * The userinfo is read as a URL parser reads it: up to the last `@` before the authority ends (a
 * password may hold an `@`, `http://u:p@ss@host`), the password after its first `:`. A text is not
 * a URL, so the authority also ends where the text around the URL takes over:
 * - at a line break;
 * - at the quote or bracket that opened the URL (`"http://h:1","x":"a@b"`, `<…>`, `(…)`), and at a
 *   `&` when the URL is a query value (`?next=http://h:1&email=a@b`): else `1","x":"a` was taken
 *   for a password, text that is not a URL read `[redacted]`;
 * - at a `"` followed by what ends a JSON string (`,`, `:`, `}`, `]`, a space or the text's end),
 *   for a URL inside a JSON string that does not open with it.
 * A password may hold a raw space (`http://u:pa ss@host/`, which URL parsers take): a userinfo
 * goes on past a space when what comes before the space reads `user:password`. After a host, or a
 * host and a port's digits, a space ends the URL: `http://h:1 is down, mail a@b.com now` keeps all
 * its words, and so does one after a port's digits and a sentence's punctuation (`http://h:1, mail
 * a@b.com`). A user name alone (a token) holds no space.
 *
 * One pass: each `//` is looked at from where the previous authority ended, and the stretch
 * between them is read once or twice, so a long text with many `//` costs what its length does.
 */

/** `text` with each userinfo's secret replaced by `replacement`. */
export function redactUserinfo(text: string, replacement: string): string {
  if (!text.includes("@")) return text;
  const parts: string[] = [];
  let kept = 0;
  for (let from = 0, slashes: number; (slashes = text.indexOf("//", from)) !== -1; ) {
    const start = slashes + 2;
    const end = authorityEnd(text, start, closerBefore(text, slashes));
    from = end;
    const at = userinfoEnd(text, start, end);
    if (at === -1 || at === start) continue; // no userinfo, or an empty one (`//@host`)
    // `user:` stays; a user name alone is the secret (a token). Looked for in the userinfo only:
    // `indexOf` from `start` went on to the text's end for each `//` of a text without a `:`.
    const colon = text.slice(start, at).indexOf(":");
    const secretStart = colon === -1 ? start : start + colon + 1;
    parts.push(text.slice(kept, secretStart), replacement);
    kept = at;
  }
  if (kept === 0) return text;
  parts.push(text.slice(kept));
  return parts.join("");
}

/** Where the authority that starts at `start` ends: a path, query or fragment, a line break, the URL's closing quote. */
function authorityEnd(text: string, start: number, closer: string | undefined): number {
  const pattern = closer === undefined ? AUTHORITY_END : closingPattern(closer);
  pattern.lastIndex = start;
  return pattern.test(text) ? pattern.lastIndex - 1 : text.length;
}

/**
 * The index of the `@` that ends the userinfo in `text[start, end)`, or -1 for none. A userinfo
 * holding a space counts when it starts as `user:password` does: a space after `host` or
 * `host:port` ends the URL instead (see the file's comment).
 */
function userinfoEnd(text: string, start: number, end: number): number {
  // On a slice: `lastIndexOf` from `end` would scan back past `start`, to the text's beginning, for each `//`.
  const authority = text.slice(start, end);
  const at = authority.lastIndexOf("@");
  if (at === -1) return -1;
  const space = authority.search(SPACE);
  if (space === -1 || space > at || PASSWORD_START.test(authority.slice(0, space))) return start + at;
  const beforeSpace = authority.slice(0, space).lastIndexOf("@");
  return beforeSpace === -1 ? -1 : start + beforeSpace;
}

/**
 * The character that closes a URL opened by the one before it (before its scheme, or before `//`
 * without one): `"http://…"`, `<http://…>`, `?next=http://…&`. At most a scheme's length is looked back at.
 */
function closerBefore(text: string, slashes: number): string | undefined {
  let at = slashes - 1;
  if (text[at] === ":") {
    const limit = Math.max(-1, at - MAX_SCHEME);
    do at--;
    while (at > limit && SCHEME_CHAR.test(text[at]!));
  }
  return at < 0 ? undefined : CLOSERS[text[at]!];
}

const MAX_SCHEME = 32;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const SPACE = /\s/;
/**
 * `user:` and a password that is not a port's digits, nor a port's digits ended by the punctuation
 * of a sentence (`http://h:1, mail a@b`: `1,` read as a password redacted the words up to the `@`).
 */
const PASSWORD_START = /^[^:]*:(?!\d*[,.;:!?)\]]*$)/;
const CLOSERS: Record<string, string> = { '"': '"', "'": "'", "`": "`", "<": ">", "(": ")", "[": "]", "=": "&" };
/** A path, query or fragment (`\` as a URL parser reads it in http URLs), a line break, a `"` that closes a JSON string. */
const AUTHORITY_END = /[/?#\\\r\n]|"(?=[\s,:}\]]|$)/g;
const CLOSING_PATTERNS = new Map<string, RegExp>();

function closingPattern(closer: string): RegExp {
  let pattern = CLOSING_PATTERNS.get(closer);
  if (!pattern) CLOSING_PATTERNS.set(closer, (pattern = new RegExp(`${AUTHORITY_END.source}|\\${closer}`, "g")));
  return pattern;
}
