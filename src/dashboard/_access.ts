import { constantTimeEqual, isAllowedHost, isAllowedOrigin, type GuardOptions, type Refusal } from "../server/_guard.ts";

/** The header the dashboard page sends its key in (read from the URL's `#key=` fragment). */
export const DASHBOARD_KEY_HEADER = "x-crossipc-key";

/**
 * Who may read or change anything under `/__crossipc/` (the page, its JSON API, the live stream,
 * and whatever API is added there later: guard it with this same function).
 *
 * A page proxied through the hub at `/blog` has the dashboard's own origin, so `Origin` cannot
 * tell the two apart. What it cannot do is leave out `Sec-Fetch-Site` (every request a modern
 * browser makes carries it; cross-origin ones carry `Origin`), nor learn the dashboard key: it
 * travels in the fragment of the URL the user opens (`#key=…`, never sent to a server, never in a
 * Referer) and the dashboard's script sends it in a header. So:
 * - a request from a browser needs the key (the access token when one is set, else a secret of
 *   this run), and must come from the hub's own origin or one of `allowedOrigins`;
 * - a request with neither header is a program (curl, `crossipc status`): it needs the token when
 *   one is set, and nothing else: a local process can do anything to the hub by design.
 * The page itself and its script are static and carry nothing secret: a browser loads them
 * without the key (a navigation cannot carry a header).
 */
export function checkDashboardAccess(request: Request, url: URL, options: GuardOptions & { key: string }, { needsKey = true }: { needsKey?: boolean } = {}): Refusal | undefined {
  const host = request.headers.get("host");
  if (!host || !isAllowedHost(host, options.allowedHosts)) {
    return { status: 403, message: `Host '${host ?? ""}' is not allowed: the dashboard answers loopback names, IP addresses and allowedHosts only` };
  }
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  if (origin === null && site === null && !fromOldBrowser(request)) {
    if (!needsKey || options.accessToken === undefined || constantTimeEqual(presented(request, url), options.accessToken)) return undefined;
    return { status: 401, message: "Unauthorized: missing or wrong access token (send Authorization: Bearer <token>)" };
  }
  const ownOrigin = `${url.protocol}//${host}`;
  // No Origin: a same-origin GET or a typed URL ("none").
  const sameOrigin = (origin === null || origin === ownOrigin) && (site === null || site === "same-origin" || site === "none");
  if (!sameOrigin && !(origin !== null && isAllowedOrigin(origin, options.allowedOrigins))) {
    const from = origin !== null ? `Origin '${origin}'` : `A ${site} page (Sec-Fetch-Site)`;
    return { status: 403, message: `${from} is not allowed to read the dashboard: open it from ${ownOrigin}/__crossipc/` };
  }
  if (needsKey && !constantTimeEqual(presented(request, url), options.key)) {
    return {
      status: 401,
      message:
        "This dashboard needs its key: open the URL `crossipc hub` printed (…/__crossipc/#key=…), or the one server.getDashboardUrl() returns",
    };
  }
  return undefined;
}

/** The key header, else `?token=` (older dashboard URLs), else `Authorization: Bearer`. */
function presented(request: Request, url: URL): string {
  const key = request.headers.get(DASHBOARD_KEY_HEADER);
  if (key !== null) return key;
  const token = url.searchParams.get("token");
  if (token !== null) return token;
  const authorization = request.headers.get("authorization") ?? "";
  return authorization.startsWith("Bearer ") ? authorization.slice(7) : "";
}

/**
 * Browsers from before Fetch Metadata (Safari < 16.4) send a same-origin GET with neither header;
 * every browser's User-Agent begins with `Mozilla/`, and a page cannot change it there. Runtime
 * clients say `node`, `Bun/…`, `Deno/…`, `curl/…`.
 */
function fromOldBrowser(request: Request): boolean {
  return request.headers.get("user-agent")?.startsWith("Mozilla/") ?? false;
}
