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
 * each read the whole body once, as with a native clone. Per request, only the property is set
 * (one shared function, no closure): nothing happens until `clone` is called.
 */
const BODY_READERS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

/** Gives `request` (whose own `signal` is the quiet one) a `clone` that never reads the inner signal. */
export function cloneQuietly(request: Request): void {
  Object.defineProperty(request, "clone", { value: firstClone, configurable: true });
}

function firstClone(this: Request): Request {
  const standIn = new Request(this.url, {
    method: this.method,
    headers: this.headers,
    body: this.body,
    signal: this.signal,
    duplex: "half",
  } as RequestInit);
  for (const name of BODY_READERS) {
    const read = (standIn as unknown as Record<string, (() => Promise<unknown>) | undefined>)[name];
    if (typeof read === "function") Object.defineProperty(this, name, { value: () => read.call(standIn), configurable: true });
  }
  Object.defineProperty(this, "body", { get: () => standIn.body, configurable: true });
  Object.defineProperty(this, "bodyUsed", { get: () => standIn.bodyUsed, configurable: true });
  Object.defineProperty(this, "clone", { value: () => standIn.clone(), configurable: true });
  return standIn.clone();
}
