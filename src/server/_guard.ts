/**
 * Who may open the framework connection. A hub on a known local port is reachable from every
 * web page the developer has open, and WebSockets are not covered by CORS, so the framework
 * path checks what a browser cannot fake: the `Origin` and `Host` headers, and a token.
 */
export interface GuardOptions {
  /** Origins whose pages may connect (`Origin` header), or a predicate. Runtime clients send none. */
  allowedOrigins?: string[] | ((origin: string) => boolean) | undefined;
  /**
   * Extra `Host` names the server answers besides loopback names, `*.localhost` and IP literals
   * (every request and upgrade is checked: DNS rebinding). A leading dot admits the subdomains
   * too: `".example.test"`.
   */
  allowedHosts?: string[] | undefined;
  /** When set, clients must pass `?token=<accessToken>` (works from browsers too). */
  accessToken?: string | undefined;
}

export interface Refusal {
  status: 400 | 401 | 403;
  message: string;
}

/** Longest runtimeId a framework client may give (it is kept, listed and sent with every event). */
export const MAX_RUNTIME_ID_LENGTH = 256;

/** Returns why a framework connection is refused, or `undefined` to admit it. */
export function checkFrameworkAccess(request: Request, url: URL, options: GuardOptions): Refusal | undefined {
  const host = request.headers.get("host");
  if (host && !isAllowedHost(host, options.allowedHosts)) {
    return { status: 403, message: `Host '${host}' is not allowed: the framework connection only answers loopback names and IP addresses` };
  }
  const origin = request.headers.get("origin");
  if (origin && !isAllowedOrigin(origin, options.allowedOrigins)) {
    return { status: 403, message: `Origin '${origin}' is not allowed to open the framework connection (see the allowedOrigins option)` };
  }
  if (options.accessToken !== undefined && !constantTimeEqual(url.searchParams.get("token") ?? "", options.accessToken)) {
    return { status: 401, message: "Unauthorized: missing or wrong access token" };
  }
  const runtimeId = url.searchParams.get("runtimeId");
  if (runtimeId !== null && runtimeId.length > MAX_RUNTIME_ID_LENGTH) {
    return { status: 400, message: `runtimeId is ${runtimeId.length} characters long; at most ${MAX_RUNTIME_ID_LENGTH} are allowed` };
  }
  return undefined;
}

export function isAllowedOrigin(origin: string, allowed: GuardOptions["allowedOrigins"]): boolean {
  if (!allowed) return false;
  if (typeof allowed === "function") return allowed(origin);
  return allowed.includes(origin) || allowed.includes("*");
}

/**
 * Loopback names, `*.localhost` and IP literals pass; any other DNS name could be a rebinding
 * attack unless the user listed it. Written without regular expressions: it runs for every new
 * Host string a server sees.
 */
export function isAllowedHost(hostHeader: string, allowedHosts: string[] = []): boolean {
  const bracketed = hostHeader.startsWith("[");
  const name = hostName(hostHeader).toLowerCase();
  if (bracketed) return isIPv6(name);
  if (name === "localhost" || name.endsWith(".localhost") || isIPv4(name)) return true;
  for (const allowed of allowedHosts) {
    const entry = allowed.toLowerCase();
    if (entry === name || (entry.startsWith(".") && (name.endsWith(entry) || name === entry.slice(1)))) return true;
  }
  return false;
}

/**
 * Whether a `Host` value is `host[:port]` as RFC 9110 §7.2 has it: a name (letters, digits, `-`,
 * `.`, `_`, `~`), an IPv4 address, or an IPv6 address in brackets, then optionally `:` and at most
 * five digits (up to 65535). RFC 9112 §3.2 answers any other with 400. Bun and Deno build the
 * request's URL from it, which then failed to parse (`localhost:80:80`, `[::1]x`, a space):
 * a 500, with a stack trace on the hub's stderr on Bun; Node took such a Host as it came.
 */
export function isValidHost(hostHeader: string): boolean {
  let at = 0;
  if (hostHeader.startsWith("[")) {
    const end = hostHeader.indexOf("]");
    if (end === -1 || !isIPv6(hostHeader.slice(1, end).toLowerCase())) return false;
    at = end + 1;
  } else {
    for (; at < hostHeader.length; at++) {
      const code = hostHeader.charCodeAt(at);
      const nameChar = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45 || code === 46 || code === 95 || code === 126;
      if (!nameChar) break;
    }
    if (at === 0) return false;
  }
  if (at === hostHeader.length) return true;
  if (hostHeader.charCodeAt(at) !== 58 || hostHeader.length - at - 1 > 5) return false;
  let port = 0;
  for (let i = at + 1; i < hostHeader.length; i++) {
    const code = hostHeader.charCodeAt(i);
    if (code < 48 || code > 57) return false;
    port = port * 10 + code - 48;
  }
  return port <= 65535;
}

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith("[")) {
    const end = hostHeader.indexOf("]");
    return end === -1 ? "" : hostHeader.slice(1, end);
  }
  const colon = hostHeader.indexOf(":");
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** Four decimal numbers 0-255 joined by dots. */
function isIPv4(name: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= name.length; i++) {
    const code = i === name.length ? 46 : name.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      digits++;
      value = value * 10 + code - 48;
    } else return false;
  }
  return parts === 4;
}

/**
 * An IPv6 address as the URL parser reads one (RFC 4291 §2.2: at most eight groups of up to four
 * hex digits, one `::`, an IPv4 address last; no zone). Hex digits and colons alone let `[:::]`,
 * `[1:2:3:4:5:6:7:8:9]` and `[::1.2.3]` through, and the hub's own `new URL(request.url)` then
 * threw: a 500 on every runtime, with a stack trace on stderr on Bun. The cheap character check
 * runs first; the parser sees only what could be an address (the caller remembers the last Host).
 */
function isIPv6(name: string): boolean {
  if (!name.includes(":")) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const hex = (code >= 48 && code <= 58) || (code >= 97 && code <= 102) || code === 46;
    if (!hex) return false;
  }
  return URL.canParse(`http://[${name}]/`);
}

export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}
