import { constantTimeEqual, isAllowedHost, isAllowedOrigin, type GuardOptions, type Refusal } from "../server/_guard.ts";

/**
 * Who may read the dashboard and its JSON: as local as the framework connection. The `Host`
 * must be a loopback name or IP literal (DNS rebinding), the page must be the server's own
 * (its origin, or one of `allowedOrigins`), and the token must come along when one is set.
 *
 * Browsers send `Origin` on cross-origin fetches and `Sec-Fetch-Site` on every request, so a page
 * of another origin is refused even where CORS would already hide the answer from it.
 */
export function checkDashboardAccess(request: Request, url: URL, options: GuardOptions, { needsToken = true }: { needsToken?: boolean } = {}): Refusal | undefined {
  const host = request.headers.get("host");
  if (!host || !isAllowedHost(host, options.allowedHosts)) {
    return { status: 403, message: `Host '${host ?? ""}' is not allowed: the dashboard only answers loopback names and IP addresses` };
  }
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  const ownOrigin = `${url.protocol}//${host}`;
  // No Origin: a same-origin GET, a typed URL ("none") or a runtime client (no Sec-Fetch-Site).
  const sameOrigin = (origin === null || origin === ownOrigin) && (site === null || site === "same-origin" || site === "none");
  if (!sameOrigin && !(origin !== null && isAllowedOrigin(origin, options.allowedOrigins))) {
    return { status: 403, message: `Origin '${origin ?? site}' is not allowed to read the dashboard: open it from ${ownOrigin}/__crossipc/` };
  }
  if (needsToken && options.accessToken !== undefined && !constantTimeEqual(tokenOf(request, url), options.accessToken)) {
    return { status: 401, message: "Unauthorized: missing or wrong access token (add ?token=…)" };
  }
  return undefined;
}

function tokenOf(request: Request, url: URL): string {
  const token = url.searchParams.get("token");
  if (token !== null) return token;
  const authorization = request.headers.get("authorization") ?? "";
  return authorization.startsWith("Bearer ") ? authorization.slice(7) : "";
}
