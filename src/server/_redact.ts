/**
 * Secrets in journal entries: header values and query parameters that carry credentials read
 * `[redacted]` wherever an entry is read (entries, waitFor, the dashboard and its API, the
 * CLI, anything built from entries). Redacting happens when an entry is read, never per request.
 */

export const REDACTED = "[redacted]";

/**
 * Header names and query parameter names redacted unless `journal: { redact: false }`.
 * `x-crossipc-key` is the dashboard's key header: the access token when one is set.
 */
export const DEFAULT_REDACTED_NAMES: readonly string[] = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-crossipc-key", "token", "access_token"];

/** Lower-cased names to redact, or `undefined` when nothing is. */
export type Redaction = ReadonlySet<string> | undefined;

/** The journal's `redact` option: more names on top of the defaults, or `false` for none. */
export function redactionOf(option: readonly string[] | false | undefined): Redaction {
  if (option === false) return undefined;
  if (option !== undefined && (!Array.isArray(option) || option.some((name) => typeof name !== "string" || name === ""))) {
    throw new TypeError(`journal.redact must be an array of header or query parameter names, or false; got ${JSON.stringify(option)}`);
  }
  return new Set([...DEFAULT_REDACTED_NAMES, ...(option ?? []).map((name) => name.toLowerCase())]);
}

/**
 * What a logger is never shown: the default names, whatever the journal's `redact` says (a log
 * line is printed, to a terminal or a CI log, where a journal entry is read on request).
 */
export const LOG_REDACTION: Redaction = redactionOf(undefined);

/**
 * Replaces, in place, the values of the redacted headers of a record with lower-cased keys; in
 * headers whose value is a URL (`referer`, `location`…), the secrets that URL carries (`redactUrl`).
 */
export function redactHeaders(headers: Record<string, string> | undefined, names: Redaction): void {
  if (!headers || !names) return;
  for (const name of names) if (headers[name] !== undefined) headers[name] = REDACTED;
  for (const name of URL_HEADERS) if (headers[name] !== undefined) headers[name] = redactUrl(headers[name], names)!;
}

/** Headers whose value is a URL that may carry a query token or a password. */
const URL_HEADERS = ["referer", "location", "content-location"] as const;

/**
 * The secrets a URL carries, in a path, a proxy target, or a message that quotes one:
 * `?name=value` and `&name=value` pairs whose name, once decoded (`%74oken` is `token`), is
 * redacted get `[redacted]` for a value, and so does a password in its userinfo
 * (`http://user:secret@host`: a service may register such a base URL). The patterns cannot
 * backtrack: a name stops at `=`, `&`, `#` or a space, userinfo at `/`, `?`, `#`, `@` or a space.
 */
export function redactUrl(text: string | undefined, names: Redaction): string | undefined {
  if (text === undefined || !names) return text;
  if (text.includes("@")) text = text.replace(USERINFO_PASSWORD, `$1${REDACTED}@`);
  if (!text.includes("=")) return text;
  return text.replace(QUERY_PAIR, (pair: string, separator: string, name: string) =>
    names.has(decodedName(name)) ? `${separator}${name}=${REDACTED}` : pair,
  );
}

const USERINFO_PASSWORD = /(\/\/[^/?#@\s:]*:)[^/?#@\s]*@/g;
const QUERY_PAIR = /([?&])([^=&#\s]*)=[^&#\s]*/g;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " ")).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}
