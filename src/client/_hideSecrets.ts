/**
 * `connect()` rejects with what the runtime said, and runtimes quote the URL they dialled: the
 * framework path's `?token=` in it, and a `user:password@` given in the server's URL. Bun's
 * WebSocket error on any failed connect ("WebSocket connection to
 * 'ws://127.0.0.1:9000/__ggFrameworkConnection?token=T' failed"), every runtime's "Invalid URL"
 * (a port past 65535), and a server's refusal that echoes the request (its `?token=`, or the
 * `Authorization: Basic` that Bun's and Deno's fetch make of the password). The client's own
 * messages name the server's address, password and all. Those messages land in test output and
 * CI logs, so both secrets read `[redacted]` there, as they do in the hub's logs and in the CLI's
 * output (`user:[redacted]@host`, as the hub shows a service's URL).
 */
import { basicCredentials } from "./_address.ts";

const REDACTED = "[redacted]";

/** What a client must never show. */
export interface ClientSecrets {
  /** The access token it sends as `?token=`. */
  token: string | undefined;
  /** The userinfo of the URL it was given, when that has a password (`alice:pw` of `http://alice:pw@host`). */
  userinfo: { user: string; password: string } | undefined;
  /**
   * The user name of the URL it was given when that has no password: a token, as GitHub and
   * others take one (`https://TOKEN@host`), which the client's errors quoted with its address.
   */
  user: string | undefined;
}

/** The secrets of a client given `portOrUrl`, sending `token`. */
export function secretsOf(portOrUrl: number | string, token: string | undefined): ClientSecrets {
  const parts = typeof portOrUrl === "string" ? userinfoOf(portOrUrl) : undefined;
  return {
    token: token === "" ? undefined : token,
    userinfo: parts?.password === undefined ? undefined : { user: parts.user, password: parts.password },
    user: parts?.password === undefined && parts?.user ? parts.user : undefined,
  };
}

/** `text` with every form of the secrets in it replaced (see `hideToken`, `hidePassword` and `hideUser`). */
export function hideSecrets(text: string, secrets: ClientSecrets): string {
  return hideUser(hidePassword(hideToken(text, secrets.token), secrets.userinfo), secrets.user);
}

/**
 * Replaces the token in `text`: the query pair as the client sent it (`token=` and the token
 * URL-encoded), whatever its length, and the token itself, URL-encoded or not, when it has 8
 * characters or more (as the CLI does: a shorter one would garble ordinary words).
 */
export function hideToken(text: string, token: string | undefined): string {
  if (token === undefined || token === "") return text;
  const sent = new URLSearchParams({ token }).toString();
  let shown = text.split(sent).join(`token=${REDACTED}`);
  if (token.length >= 8) {
    for (const form of new Set([token, sent.slice("token=".length), encodeURIComponent(token)])) shown = shown.split(form).join(REDACTED);
    shown = hideCut(shown, sent.slice("token=".length));
  }
  return shown;
}

/**
 * Bun shortens a URL of more than ~1,000 characters in its WebSocket errors to its start and its
 * end joined by `...` ("…?token=eyJhbGci...Q5fN0' failed"): a long token (a JWT) then stood there
 * cut in two, and no whole form of it matched. A `...` with a start of `value` before it and an
 * end of `value` after it (each up to a quote, a space, `=` or `&`) reads `[redacted]`. A few cuts
 * are looked at, each side at most as far as `value` is long: the text may be a long URL itself.
 * They are looked for from the end: the token is the URL's last value, and what comes before it
 * (a runtime id such as `api...v2...eu...1`, the caller's own text) held `...` that used up the
 * cuts looked at, and both halves of the token were shown.
 */
function hideCut(text: string, value: string): string {
  let shown = text;
  let from = shown.length;
  for (let tries = 0; tries < MAX_CUTS && from >= 0; tries++) {
    const cut = shown.lastIndexOf("...", from);
    if (cut === -1) break;
    let start = cut;
    while (start > 0 && cut - start < value.length && !URL_STOP.has(shown[start - 1]!)) start--;
    let end = cut + 3;
    while (end < shown.length && end - cut - 3 < value.length && !URL_STOP.has(shown[end]!)) end++;
    const head = shown.slice(start, cut);
    const tail = shown.slice(cut + 3, end);
    if (head.length + tail.length >= 8 && value.startsWith(head) && value.endsWith(tail)) {
      // Only what is before `start` is looked at next: it did not move.
      shown = `${shown.slice(0, start)}${REDACTED}${shown.slice(end)}`;
      from = start - 3;
    } else from = cut - 1;
  }
  return shown;
}

/** How many `...` `hideCut` looks at: Bun cuts a message once. */
const MAX_CUTS = 4;
/** What ends a token's value in a URL a message quotes. */
const URL_STOP: ReadonlySet<string> = new Set([" ", "\t", "\n", "\r", "'", '"', "&", "="]);

/**
 * Replaces the URL's password in `text`: `user:password@` as given and as a URL parser writes it
 * (whatever the password's length), the `Basic` credentials a fetch makes of them, and the
 * password alone, encoded or not, when it has 8 characters or more (as for the token).
 */
function hidePassword(text: string, userinfo: ClientSecrets["userinfo"]): string {
  if (!userinfo || !text) return text;
  const { user, password } = userinfo;
  const parsed = parsedUserinfo(user, password);
  let shown = text;
  for (const [name, secret] of new Set([[user, password], parsed].map((pair) => pair.join(":")))) {
    shown = shown.split(`${secret}@`).join(`${name}:${REDACTED}@`);
  }
  const plainPassword = decoded(password);
  for (const credentials of new Set([`${user}:${password}`, `${decoded(user)}:${plainPassword}`, parsed.join(":")].map(basicCredentials))) {
    shown = shown.split(credentials).join(REDACTED);
  }
  if (password.length >= 8) {
    for (const form of new Set([password, parsed[1], plainPassword, encodeURIComponent(plainPassword)])) shown = shown.split(form).join(REDACTED);
  }
  return shown;
}

/**
 * Replaces a user name that stands alone (a token): `TOKEN@` as given and as a URL parser writes
 * it, the `Basic` credentials a fetch makes of it (`TOKEN:`), and the name itself, encoded or not,
 * when it has 8 characters or more (as for the token).
 */
function hideUser(text: string, user: string | undefined): string {
  if (user === undefined || !text) return text;
  const parsed = parsedUserinfo(user, "")[0];
  let shown = text;
  for (const form of new Set([user, parsed])) shown = shown.split(`${form}@`).join(`${REDACTED}@`);
  for (const credentials of new Set([`${user}:`, `${decoded(user)}:`, `${parsed}:`].map(basicCredentials))) shown = shown.split(credentials).join(REDACTED);
  if (user.length >= 8) {
    const plain = decoded(user);
    for (const form of new Set([user, parsed, plain, encodeURIComponent(plain)])) shown = shown.split(form).join(REDACTED);
  }
  return shown;
}

/**
 * The error with the secrets out of its message (and its stack, which repeats the message): a new
 * error of the same name and `code` when the message held one, else the error itself.
 */
export function errorWithoutSecrets<T>(error: T, secrets: ClientSecrets): T | Error {
  if (!(error instanceof Error)) return error;
  const message = hideSecrets(error.message, secrets);
  if (message === error.message) return error;
  const hidden = new Error(message);
  hidden.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (hidden as { code?: unknown }).code = code;
  return hidden;
}

/**
 * The userinfo before the host of `url` (`http://alice:pw@host`, or `alice:pw@host` without a
 * scheme, as `IPCClient` takes a bare host): its user, and its password when it has one. The host
 * ends at the first `/`, `?` or `#`; its userinfo at the last `@` before that, as a URL parser reads it.
 */
function userinfoOf(url: string): { user: string; password: string | undefined } | undefined {
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0].length ?? 0;
  const rest = url.slice(start);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  const at = authority.lastIndexOf("@");
  if (at === -1) return undefined;
  const colon = authority.indexOf(":");
  if (colon === -1 || colon > at) return { user: authority.slice(0, at), password: undefined };
  // `user:@host`: an empty password hides nothing.
  if (colon === at - 1) return undefined;
  return { user: authority.slice(0, colon), password: authority.slice(colon + 1, at) };
}

/** `[user, password]` as a URL parser writes them (percent-encoded), or as given when it refuses. */
function parsedUserinfo(user: string, password: string): [string, string] {
  try {
    const url = new URL(`http://${user}:${password}@host/`);
    return [url.username, url.password];
  } catch {
    return [user, password];
  }
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
