/**
 * Who may open the framework connection. A hub on a known local port is reachable from every
 * web page the developer has open, and WebSockets are not covered by CORS, so the framework
 * path checks what a browser cannot fake: the `Origin` and `Host` headers, and a token.
 */
export interface GuardOptions {
  /** Origins whose pages may connect (`Origin` header), or a predicate. Runtime clients send none. */
  allowedOrigins?: string[] | ((origin: string) => boolean);
  /** Extra `Host` names accepted besides loopback names and IP literals. */
  allowedHosts?: string[];
  /** When set, clients must pass `?token=<accessToken>` (works from browsers too). */
  accessToken?: string;
}

export interface Refusal {
  status: 401 | 403;
  message: string;
}

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
  return undefined;
}

export function isAllowedOrigin(origin: string, allowed: GuardOptions["allowedOrigins"]): boolean {
  if (!allowed) return false;
  if (typeof allowed === "function") return allowed(origin);
  return allowed.includes(origin) || allowed.includes("*");
}

/** Loopback names and IP literals pass; any other DNS name could be a rebinding attack. */
export function isAllowedHost(hostHeader: string, allowedHosts: string[] = []): boolean {
  const name = hostName(hostHeader).toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":")) return true;
  return allowedHosts.some((allowed) => allowed.toLowerCase() === name);
}

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(1, hostHeader.indexOf("]"));
  const colon = hostHeader.lastIndexOf(":");
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}
