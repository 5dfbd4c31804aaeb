/**
 * Headers that belong to one connection and are never forwarded by a proxy (RFC 9110 §7.6.1),
 * shared by the runtimes' HTTP upstreams and the replay answers so their behaviour cannot drift apart.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // Belongs to an `Upgrade: h2c` offer (RFC 7540 §3.2), which the hub never takes: a backend
  // that got it could switch that connection to HTTP/2 behind the hub's back.
  "http2-settings",
]);

/**
 * Headers a `connection` header may not nominate: dropping them would unframe the body
 * (`content-length`, `transfer-encoding`) or lose the request's authority (`host`), so that the
 * backend reads the body as a second request (nginx and Envoy ignore these tokens too).
 */
const NEVER_NOMINATED: ReadonlySet<string> = new Set(["content-length", "transfer-encoding", "host"]);

/** The header names a `connection` header nominates as hop-by-hop too. */
export function connectionTokens(header: string | null | undefined): Set<string> {
  const tokens = new Set<string>();
  if (!header) return tokens;
  for (const token of header.toLowerCase().split(",")) {
    const name = token.trim();
    if (name && !NEVER_NOMINATED.has(name)) tokens.add(name);
  }
  return tokens;
}
