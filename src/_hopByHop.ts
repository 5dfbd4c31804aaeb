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
]);

/** The header names a `connection` header nominates as hop-by-hop too. */
export function connectionTokens(header: string | null | undefined): Set<string> {
  return new Set((header ?? "").toLowerCase().split(",").map((t) => t.trim()).filter(Boolean));
}
