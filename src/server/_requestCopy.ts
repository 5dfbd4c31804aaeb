/**
 * The request with another body: what goes on down the order after a rule read the body (its
 * bytes), or what the journal tees when it records bodies (a stream).
 *
 * A new `Request` loses what the runtime attached to the original, and the proxy reads two of
 * those: the abort signal (the client left: stop the upstream request) and the client's address,
 * which it adds as `x-forwarded-for` (the backend would lose who called). The signal is a
 * `Request` option; the address is carried as `ip`, srvx's name for it on every runtime, which
 * every upstream of the hub reads (../../adapters/_node-proxy.ts, h3's proxy).
 */
export function withBody(request: Request, body: Uint8Array | ReadableStream<Uint8Array> | undefined): Request {
  const signal = request.signal;
  const copy = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: body as BodyInit | undefined,
    signal,
    // A stream body must say so (the journal's tee); harmless for bytes.
    duplex: "half",
  } as RequestInit);
  // Node's Request follows `signal` through a weak reference only: an `interceptRequest` handler
  // that kept a listener on the copy's `request.signal` but not the copy lost the abort once a
  // collection took the copy (the client left, the handler was never told; connectMocks' relay
  // had the same, session 18). The original's signal, held until the client's connection closes,
  // holds the copy until then.
  if (!signal.aborted) signal.addEventListener("abort", () => void copy, { once: true });
  const ip = (request as { ip?: string }).ip;
  if (ip) Object.defineProperty(copy, "ip", { value: ip, enumerable: true });
  return copy;
}
