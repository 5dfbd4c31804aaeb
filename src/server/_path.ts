import { INTERNAL_SOCKET_PATH } from "../protocol.ts";

/**
 * The path of a request URL without building a URL object (hot path: every request), its `.` and
 * `..` segments resolved as the URL parser resolves them. Deno's `request.url` keeps them (also
 * `%2e`-encoded, or after a `\`), where Node's and Bun's come resolved: on a Deno hub
 * `/x/../mocked/a` met no mock, fault or intercept route (matched on this path) and then the 404
 * or the proxy (which parse the URL), so a fault or a mock was skipped that Node and Bun applied.
 */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  let end = url.indexOf("?", start);
  if (end === -1) end = url.indexOf("#", start);
  const path = end === -1 ? url.slice(start) : url.slice(start, end);
  return mayHoldDotSegment(path) ? new URL(`http://h${path}`).pathname : path;
}

/** A cheap look first: most paths hold none of these, and the parser sees only those that do. */
function mayHoldDotSegment(path: string): boolean {
  return path.includes("/.") || path.includes("\\") || (path.includes("%2") && ENCODED_DOT.test(path));
}

const ENCODED_DOT = /\/%2e/i;

/** Where the dashboard and its JSON API live (`/__crossipc/…`). */
export const DASHBOARD_PREFIX = "/__crossipc/";

/**
 * The hub's own paths: the dashboard and its API (`/__crossipc`, `/__crossipc/…`, not a service's
 * `/__crossipc-admin`) and the framework connection's. No mock, fault or recording answers them;
 * the same paths `fallThrough` in ./_http.ts answers itself. Hot path: every request, no regex.
 */
export function isHubPath(path: string): boolean {
  return path === INTERNAL_SOCKET_PATH || (path.startsWith("/__crossipc") && (path.length === 11 || path.charCodeAt(11) === 47));
}
