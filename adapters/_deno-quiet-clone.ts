/**
 * `request.clone()` without Deno's "legacy abort" warning.
 *
 * Deno's `Request.prototype.clone` reads the request's inner abort signal to give the copy one,
 * and `Deno.serve` (2.x) prints "request.signal aborts on successful responses (legacy
 * behavior) …" to stderr once a request whose signal was read is answered. The own `signal`
 * property `withQuietSignal` defines does not help there: `clone` reads the inner one. A spy that
 * logs `await request.clone().json()` and forwards `await request.text()` (the README's) made a
 * Deno hub print it, where the library prints nothing without a logger.
 *
 * So the request gets its own `clone`: the first call moves the body into a stand-in Request
 * (same URL, method and headers, the quiet signal) and clones that, which no `Deno.serve` watches;
 * from then on the request's body members read from the stand-in, so the request and its clones
 * each read the whole body once, as with a native clone. Nothing happens until `clone` is called.
 */
const BODY_READERS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

export function cloneQuietly(request: Request, signal: AbortSignal): void {
  let standIn: Request | undefined;
  const take = (): Request => {
    if (standIn) return standIn;
    const copy = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      duplex: "half",
    } as RequestInit);
    standIn = copy;
    for (const name of BODY_READERS) {
      const read = (copy as unknown as Record<string, (() => Promise<unknown>) | undefined>)[name];
      if (typeof read === "function") Object.defineProperty(request, name, { value: () => read.call(copy), configurable: true });
    }
    Object.defineProperty(request, "body", { get: () => copy.body, configurable: true });
    Object.defineProperty(request, "bodyUsed", { get: () => copy.bodyUsed, configurable: true });
    return copy;
  };
  Object.defineProperty(request, "clone", { value: () => take().clone(), configurable: true });
}
