/**
 * What RFC 9112 says a server must refuse and the runtimes' own parsers let through (measured on
 * Node 20, Bun 1.4, Deno 2.9): two `Host` headers (Node, Bun), no `Host` (Deno), an absolute-form
 * target (`GET http://other/ HTTP/1.1`, all three: this hub is not a forward proxy, and the
 * target's authority would pass for the Host the guard checked), and request targets of any
 * length up to the runtime's header limit. One string check each, per request.
 */

/**
 * Why a request whose target is `*` (asterisk-form) is refused, by the Node hub and the Bun and Deno
 * fronts alike. `*` asks about a server as a whole (`OPTIONS *`, RFC 9112 §3.2.4), and the hub is
 * no one service: the Node and Deno hubs made it the path `/*` and forwarded `OPTIONS /base/*` (and
 * Node `GET /base/*`) to the service registered at `/`, where Bun refused it.
 */
export const ASTERISK_FORM = "Asterisk-form request target (OPTIONS *): this hub forwards requests for paths, it has no server-wide options to answer";

/**
 * Why a CONNECT is refused, by the Node hub, the Bun and Deno fronts and a hub without its front.
 * The hub is no forward proxy and tunnels nothing. The Deno hub routed `CONNECT <its own address>`
 * as a request for `/`: a service registered at `/` got `CONNECT /`, and once a route answered it
 * with a 2xx (a `*` mock at `/**`), the front took the connection for a tunnel and passed what
 * followed to `Deno.serve` unread, a bare LF splitting a header included. Node closed the
 * connection without an answer.
 */
export const CONNECT_REFUSED = "CONNECT: this server is not a forward proxy, it tunnels nothing";

/** Longest request target (path and query) taken, in bytes; longer ones answer 414 (nginx's default buffer). */
export const MAX_TARGET_LENGTH: number = 8 * 1024;

/**
 * Why the request must be refused (400, or 414 for a long target), or `undefined`.
 * `host`: the Host header as the runtime joined it (`a, b` for two); `target`: the request
 * target as sent; `absolute`: the runtime saw an absolute-form target.
 */
export function malformedRequest(host: string | null | undefined, target: string, absolute: boolean): { status: 400 | 414; error: string } | undefined {
  if (target.length > MAX_TARGET_LENGTH) return { status: 414, error: `Request target longer than ${MAX_TARGET_LENGTH} bytes` };
  if (!host) return { status: 400, error: "Missing Host header" };
  if (host.includes(",")) return { status: 400, error: "More than one Host header" };
  if (absolute) return { status: 400, error: "Absolute-form request target: this server is not a forward proxy" };
  if (target === "*") return { status: 400, error: ASTERISK_FORM };
  return undefined;
}

/**
 * For runtimes that only give a `Request` (Bun, Deno): the target is `request.url` after its
 * authority, and a URL whose authority is not the Host header came from an absolute-form target
 * (Deno without its front; Bun builds the URL from Host, so only its front, which reads the
 * request line, can refuse one, `_http1-request-stream.ts`).
 */
export function malformedWebRequest(request: Request): Response | undefined {
  const url = request.url;
  const host = request.headers.get("host");
  const authorityStart = url.indexOf("//") + 2;
  let pathStart = url.indexOf("/", authorityStart);
  if (pathStart === -1) pathStart = url.length;
  // No substring on the way: this runs for every request.
  const absolute = host !== null && !(pathStart - authorityStart === host.length && url.startsWith(host, authorityStart)) && !sameAuthority(url, authorityStart, pathStart, host);
  if (url.length - pathStart <= MAX_TARGET_LENGTH && host && !absolute && !host.includes(",") && request.method !== "CONNECT") return undefined;
  if (request.method === "CONNECT") return refusalResponse(400, CONNECT_REFUSED);
  const refusal = malformedRequest(host, url.slice(pathStart), absolute);
  return refusal && refusalResponse(refusal.status, refusal.error);
}

/**
 * The slow path of the authority check. Bun builds the URL from the Host through the URL parser,
 * which lower-cases it, drops a default port and writes IP addresses its own way
 * (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`, `127.000.0.1` becomes `127.0.0.1`): such a Host
 * is compared as the parser writes it, or an IPv4-mapped loopback Host was taken for an
 * absolute-form target. A Host the parser refuses is the guard's to answer (400).
 */
function sameAuthority(url: string, start: number, end: number, host: string): boolean {
  const authority = url.slice(start, end);
  const lower = host.toLowerCase();
  if (authority === lower || authority === withoutDefaultPort(lower)) return true;
  try {
    return new URL(`http://${host}`).host === authority;
  } catch {
    return false;
  }
}

/** Why a request with `Upgrade` and a body is refused (400), by the Node hub and by the Bun and Deno fronts alike. */
export function bodyWithUpgrade(method: string): string {
  return `A ${method} request with a body and an Upgrade header: only a GET without a body may upgrade (to a WebSocket); send it without Upgrade`;
}

/** The answer to a malformed request: it closes the connection, whose framing is now in doubt. */
export function refusalResponse(status: number, error: string): Response {
  return new Response(JSON.stringify({ error }), { status, headers: { "content-type": "application/json", connection: "close" } });
}

function withoutDefaultPort(host: string): string {
  return host.endsWith(":80") ? host.slice(0, -3) : host;
}
