/**
 * Secrets in journal entries: header values and query parameters that carry credentials read
 * `[redacted]` wherever an entry is read (entries, waitFor, the dashboard and its API, the
 * CLI, anything built from entries). Redacting happens when an entry is read, never per request.
 */
import { redactUserinfo } from "./_userinfo.ts";

export const REDACTED = "[redacted]";

/**
 * Header names and query parameter names redacted unless `journal: { redact: false }` (one list:
 * a name is looked for among headers and query parameters alike, so `x-api-key` also covers
 * `?x-api-key=`). `x-crossipc-key` is the dashboard's key header: the access token when one is set.
 *
 * Only names that carry a credential wherever they appear. Short, generic names are left out on
 * purpose: `code` (an OAuth authorization code, but also a country, error, promo or product
 * code), `key` (an API key on some services, but also a cache, sort or settings key), `state`,
 * `session`, `sig`, `signature`, `auth`. Redacted, their values would garble ordinary entries,
 * and worse, a replay matches a parameter recorded as `[redacted]` with any value
 * (../replay/_index.ts), so `?code=US` and `?code=FR` would get the same recorded answer. A
 * service that sends a credential under such a name adds it: `journal: { redact: ["code"] }`.
 */
export const DEFAULT_REDACTED_NAMES: readonly string[] = [
  // SPEC §11's four, and the dashboard's key.
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-crossipc-key",
  // API keys and tokens sent as headers (and, the list being one, as query parameters).
  "x-api-key",
  "api-key",
  "x-auth-token",
  "x-access-token",
  "x-amz-security-token",
  // Query parameters (and form-like names) that carry credentials: OAuth 2.0 / OpenID Connect's tokens
  // and client secret, API keys, passwords.
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "api_key",
  "apikey",
  "password",
  "passwd",
  "secret",
  // A Java servlet's session id, sent as a path parameter (`/cart;jsessionid=…`) when cookies are
  // off, and so in a query (`?jsessionid=`): a session, whatever name it is looked for under.
  "jsessionid",
];

/** What to redact, or `undefined` when nothing is. */
export type Redaction = RedactionRules | undefined;

export interface RedactionRules {
  /** Lower-cased header and query parameter names whose values read `[redacted]`. */
  readonly names: ReadonlySet<string>;
  /**
   * Secrets the server knows by value (its access token, its dashboard key), each in the forms a
   * URL or a header carries it, longest first: they read `[redacted]` wherever they appear in a
   * path, a URL or a header value, whatever the name they came under (`?key=T`,
   * `x-access-token: T`, `/files/T`). A request may carry the hub's token to a service under any
   * name, and a HAR of it is a file that gets shared.
   */
  readonly values: readonly string[];
}

/**
 * The shortest secret value redacted wherever it appears (as the CLI and the client hide a token):
 * a shorter one would garble ordinary words; it is still redacted under the names above.
 */
const MIN_SECRET_LENGTH = 8;

/**
 * The journal's `redact` option: more names on top of the defaults, or `false` for none.
 * `secrets`: values redacted wherever they appear (see `RedactionRules.values`).
 */
export function redactionOf(option: readonly string[] | false | undefined, secrets: ReadonlyArray<string | undefined> = []): Redaction {
  if (option === false) return undefined;
  if (option !== undefined && (!Array.isArray(option) || option.some((name) => typeof name !== "string" || name === ""))) {
    throw new TypeError(`journal.redact must be an array of header or query parameter names, or false; got ${JSON.stringify(option)}`);
  }
  const names = new Set<string>();
  // A default's name without its `x-` is as specific (`auth_token`, `amz_security_token`); a name a
  // user adds may not be (`x-key`, `x-session`): see `isRedactedName`.
  for (const name of DEFAULT_REDACTED_NAMES) names.add(name).add(spellingKey(name)).add(spellingKey(name.replace(/^x[-_]/, "")));
  for (const name of (option ?? []).map((name) => name.toLowerCase())) names.add(name).add(spellingKey(lastKey(name)));
  const values = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) values.add(form);
  }
  return { names, values: [...values].sort((a, b) => b.length - a.length) };
}

/**
 * What a logger is never shown: the default names, whatever the journal's `redact` says (a log
 * line is printed, to a terminal or a CI log, where a journal entry is read on request).
 */
export const LOG_REDACTION: Redaction = redactionOf(undefined);

/**
 * What a text the server writes about a request (a replay's 404, which quotes the request and the
 * closest recorded one) redacts: the default names and those the journal's `redact` adds, and the
 * server's secrets by value. That text goes to whoever asked and into the journal's bodies, where
 * no URL inside an answer's text is looked into: with the default names only, a name the user
 * added (`redact: ["x-signing-key"]`) was quoted with its value. `redact: false` keeps the
 * defaults here, as the 502s do: it shows what the journal recorded, not what the hub writes.
 */
export function missRedaction(journal: boolean | { redact?: readonly string[] | false | undefined } | undefined, secrets: ReadonlyArray<string | undefined>): RedactionRules {
  const added = typeof journal === "object" && journal !== null && journal.redact !== false ? journal.redact : undefined;
  return redactionOf(added, secrets)!;
}

/**
 * Replaces, in place, the values of the redacted headers of a record with lower-cased keys; in
 * every other header's value, the secrets a URL there carries (`redactUrl`'s query, path
 * parameter and userinfo secrets): `referer`, `location`, `content-location`, but also
 * `x-forwarded-uri`, `refresh` (`0; url=…`) and `link` (`<…>; rel=…`). Every header, not a list:
 * the rule only touches a `?name=`, `&name=` or `;name=` under a redacted name, or a password
 * after `//…:`, so a value without them is kept byte for byte, and a list always missed one
 * (`x-original-url`, `x-rewrite-url`…). `sec-websocket-protocol` is a list of tokens: see
 * `redactSubprotocols`.
 */
export function redactHeaders(headers: Record<string, string> | undefined, redaction: Redaction): void {
  if (!headers || !redaction) return;
  for (const name in headers) {
    const value = headers[name]!;
    const shown = isRedactedName(redaction.names, name)
      ? REDACTED
      : name === "sec-websocket-protocol"
        ? redactValues(redactSubprotocols(value, redaction.names), redaction.values)
        : redactText(value, redaction, HEADER_QUERY_PAIR, HEADER_PATH_PARAMETER);
    // Written only when changed: most values are kept as they are.
    if (shown !== value) headers[name] = shown;
  }
}

/**
 * A `Sec-WebSocket-Protocol` list with the credentials browsers can only send there (a WebSocket
 * from a browser sets no `Authorization`): the token of a subprotocol with a `bearer` label
 * (Kubernetes' `base64url.bearer.authorization.k8s.io.<token>`, OpenShift's
 * `base64.bearer.authorization.<token>`: the last label, base64url, holds no dot) and the item
 * after one that is a redacted name or `bearer` (`access_token, <token>`, `token, <token>`). Other
 * subprotocols (`graphql-ws`, `base64.binary.k8s.io`) stay. Kubernetes' apiserver strips the
 * bearer item before it logs or forwards the header; a journal shows what was sent, so it
 * redacts it instead.
 */
function redactSubprotocols(value: string, names: ReadonlySet<string>): string {
  const items = value.split(",");
  let changed = false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!.trim();
    const lower = item.toLowerCase();
    if (lower.startsWith("bearer.") || lower.includes(".bearer.")) {
      items[i] = items[i]!.slice(0, items[i]!.lastIndexOf(".") + 1) + REDACTED;
      changed = true;
    } else if (i + 1 < items.length && (lower === "bearer" || isRedactedName(names, lower)) && items[i + 1]!.trim() !== "") {
      const next = items[i + 1]!;
      items[i + 1] = next.slice(0, next.length - next.trimStart().length) + REDACTED;
      changed = true;
      i++;
    }
  }
  return changed ? items.join(",") : value;
}

/**
 * The secrets a URL carries, in a path, a proxy target, or a message that quotes one:
 * `?name=value` and `&name=value` pairs, and path parameters (`;jsessionid=value`), whose name,
 * once decoded (`%74oken` is `token`), is redacted get `[redacted]` for a value, and so does the userinfo's secret (./_userinfo.ts:
 * `http://user:secret@host` reads `user:[redacted]@host`, `https://TOKEN@host` reads
 * `https://[redacted]@host`). A query pair's pattern cannot backtrack beyond one part of the
 * text: a name stops at `=`, `&`, `#` or a space.
 */
export function redactUrl(text: string | undefined, redaction: Redaction): string | undefined {
  if (text === undefined || !redaction) return text;
  return redactText(text, redaction, QUERY_PAIR, PATH_PARAMETER);
}

/** `redactUrl` with the patterns of a path or message, or of a header value (`HEADER_…`). */
function redactText(text: string, redaction: RedactionRules, queryPair: RegExp, pathParameter: RegExp): string {
  text = redactUserinfo(text, REDACTED);
  text = redactValues(text, redaction.values);
  if (!text.includes("=")) return text;
  const { names } = redaction;
  const redactPair = (pair: string, separator: string, name: string) =>
    isRedactedName(names, decodedName(name)) ? `${separator}${name}=${REDACTED}` : pair;
  // Looked for first: most header values hold an `=` (`q=0.9`, `charset=`) and no pair at all.
  if (text.includes("?") || text.includes("&")) text = text.replace(queryPair, redactPair);
  return text.includes(";") ? text.replace(pathParameter, redactPair) : text;
}

/**
 * A body's text with the secrets the server knows by value (`RedactionRules.values`: its token,
 * its dashboard key) replaced. The hub's own answers quote what a request came with ("No route
 * for GET /files/T", "Proxy error: http://svc/x?key=T is unreachable", a replay's "No recorded
 * answer for …"), and a service may echo it: the HAR of such a session held the hub's token in its
 * bodies. Values under redacted names in form and JSON bodies: ./_redactBody.ts.
 */
export function redactBodyText(text: string, redaction: Redaction): string {
  return redaction && redaction.values.length ? redactValues(text, redaction.values) : text;
}

/** `text` with each of `values` (longest first) replaced by `[redacted]`. */
function redactValues(text: string, values: readonly string[]): string {
  for (const value of values) if (text.includes(value)) text = text.split(value).join(REDACTED);
  return text;
}

const QUERY_PAIR = /([?&])([^=&#\s]*)=[^&#\s]*/g;
/**
 * A path parameter (`/cart;jsessionid=ABC/items`, a matrix parameter `;token=T`): its value ends
 * where the path segment does (`;`, `/`, `?`, `#`) or a query pair (`&`), the rest of the path kept. A name holds none of
 * those nor `&`, `=` or a space, so each `;` starts a stretch read once: a path of 100,000 `;`
 * costs what its length does. Run after the query's pairs (a query value holding `;name=` already
 * reads `[redacted]` when its own name is redacted; `?q=1;token=T`, a `;` separating a query as
 * some servers take it, reads `;token=[redacted]`).
 */
const PATH_PARAMETER = /(;)([^=;/?#&\s]*)=[^;/?#&\s]*/g;
/** In a header's value a URL may sit in `<…>` (`link`): a value also ends at `>`. */
const HEADER_QUERY_PAIR = /([?&])([^=&#\s]*)=[^&#\s>]*/g;
const HEADER_PATH_PARAMETER = /(;)([^=;/?#&\s]*)=[^;/?#&\s>]*/g;

/** A query or form name as it is compared with the redacted names: decoded (`+` a space, `%74oken` is `token`), lower-cased. */
export function decodedName(name: string): string {
  // Most names hold nothing to decode (`q`, `charset`, `page`): a header's `;q=0.9` is read so.
  if (!name.includes("%") && !name.includes("+")) return name.toLowerCase();
  try {
    return decodeURIComponent(name.replace(/\+/g, " ")).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/**
 * Whether a lower-cased header, query, form or JSON name is redacted: as listed (`access_token`),
 * or spelled another way (`spellingKey`), or the same with a leading `x-` (`X-Refresh-Token` is
 * `refresh_token`'s). `names` holds each listed name and its spelling key (`redactionOf`); a set
 * built elsewhere (a replay's recorded names) is still asked for the name as it came. The `x-` is
 * dropped from the name asked about, never from a listed one: `redact: ["x-key"]` (a service's
 * own header) redacted every `key` and `?key=` when both lost it, a name the defaults leave out
 * on purpose (a replay matches a redacted parameter with any value, so `?key=US` and `?key=FR`
 * got one answer).
 */
export function isRedactedName(names: ReadonlySet<string>, name: string): boolean {
  if (names.has(name)) return true;
  const key = lastKey(name);
  return names.has(spellingKey(key)) || ((key.startsWith("x-") || key.startsWith("x_")) && names.has(spellingKey(key.slice(2))));
}

/**
 * A form's nesting read for its last key, as Rails and PHP post them (`user[password]` is
 * `password`, `session[access_token]` is `access_token`, `token[]` is `token`). An index names a
 * place in a list, not a field: `token[0]` (qs, PHP and Rails post an array so) and
 * `user[tokens][1]` are read past it (`token`, `tokens`), as `token[]` is.
 */
function lastKey(name: string): string {
  // An end index, not a slice per bracket: a name of 100,000 `[0]`s costs one pass.
  let end = name.length;
  while (name.charCodeAt(end - 1) === CLOSE) {
    const open = name.lastIndexOf("[", end - 1);
    if (open <= 0 || !isIndex(name, open + 1, end - 1)) break;
    end = open;
  }
  if (name.charCodeAt(end - 1) === CLOSE) {
    const open = name.lastIndexOf("[", end - 1);
    if (open !== -1) return name.slice(open + 1, end - 1);
  }
  return end === name.length ? name : name.slice(0, end);
}

const CLOSE = 0x5d; // `]`

/** Whether `name[from, to)` is empty or all digits: `[]`, `[0]`, `[12]`. */
function isIndex(name: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = name.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * One key for the spellings of a name: a JavaScript service's JSON login answers
 * `{"accessToken": …, "refreshToken": …}`, a header may be `Access-Token`; with the listed
 * spellings alone each was in the HAR as sent. Every `-` and `_` is dropped (`accessToken`,
 * `access-token` and `access_token` are all `accesstoken`). Whole names only: `page_token`
 * (`pagetoken`) and `csrf_token` are not `token`.
 */
export function spellingKey(name: string): string {
  return name.includes("-") || name.includes("_") ? name.replace(/[-_]/g, "") : name;
}
