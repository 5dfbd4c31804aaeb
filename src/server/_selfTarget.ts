/**
 * A proxy target that is the hub itself: a resolver, or a service registered at the hub's own
 * URL (grest-ts's mock mode points an api at the hub), sends every request it does not intercept
 * back to the hub, which forwards it again — each turn a new connection, until `proxyTimeout`.
 * The original looped like that; the hub answers `508 Loop Detected` at once instead.
 *
 * `baseUrl` is the resolver's answer, before the request's path is appended: only one with no
 * path of its own sends the same request back. One with a path (`http://hub/base`) asks the hub
 * for another path, which an intercept route may well answer.
 *
 * Only the names a target on this machine is written with are compared (loopback addresses,
 * `localhost`, `ownHost`: the host of the hub's URL), on the string: it runs once per proxied request.
 */
export function loopsBack(baseUrl: string, port: number, ownHost: string): boolean {
  if (port === 0) return false;
  const target = baseUrl;
  const start = target.indexOf("//") + 2;
  let end = target.indexOf("/", start);
  if (end === -1) end = target.length;
  else if (!/^\/*$/.test(target.slice(end))) return false;
  const authority = target.slice(start, end);
  const at = authority.lastIndexOf("@");
  const hostAndPort = (at === -1 ? authority : authority.slice(at + 1)).toLowerCase();
  const colon = hostAndPort.lastIndexOf(":");
  const closing = hostAndPort.lastIndexOf("]");
  let host = hostAndPort;
  let targetPort = target.startsWith("https:") || target.startsWith("wss:") ? 443 : 80;
  if (colon > closing) {
    host = hostAndPort.slice(0, colon);
    targetPort = Number(hostAndPort.slice(colon + 1));
  }
  if (targetPort !== port) return false;
  return host === "localhost" || host === "[::1]" || host === "0.0.0.0" || host.startsWith("127.") || host === ownHost;
}

/** The answer's text: what loops, and what to do. */
export function loopMessage(target: string): string {
  return `Proxy loop: ${target} is this hub, so the request would come back here; register the service's own address`;
}
