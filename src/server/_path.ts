import { INTERNAL_SOCKET_PATH } from "../protocol.ts";

/** The path of a request URL without building a URL object (hot path: every request). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  let end = url.indexOf("?", start);
  if (end === -1) end = url.indexOf("#", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

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
