/**
 * A proxied request body read whole before the upstream `fetch` is called, for a runtime whose
 * `fetch` keeps no connection for a streamed body (`Platform.proxyWholeBody`, Bun's): what
 * nginx does by default (`proxy_request_buffering on`), bounded by the body's `content-length`.
 */
import { concat } from "../_bytes.ts";
import { ProxyError } from "../platform.ts";

/**
 * The bytes of `request`'s body when it has a `content-length` of 1 to `bound` bytes and a
 * method whose body is forwarded; `undefined` (stream it as before) otherwise. Never holds more
 * than the length the client announced, which `bound` caps. A client that stops sending gets the
 * proxy's 504 at `deadline` (a `Date.now()` value) as when its body was streamed, and its body is
 * cancelled; one that leaves cancels it too (the caller answers 499: `request.signal` is aborted).
 */
export async function readWholeBody(request: Request, bound: number, deadline: number, target: string): Promise<Uint8Array | undefined> {
  const body = request.body;
  if (body === null || request.method === "GET" || request.method === "HEAD") return undefined;
  const length = announcedLength(request.headers);
  if (length === undefined || length === 0 || length > bound) return undefined;
  const reader = body.getReader();
  let timedOut = false;
  const stop = () => void reader.cancel().catch(() => {});
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, Math.max(0, deadline - Date.now()));
  request.signal.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      // The servers frame a body by its length; past it is not this request's (never seen).
      if (received > length) break;
      chunks.push(value);
    }
  } catch (error) {
    if (!timedOut) throw new ProxyError(502, `the client's body failed after ${received} of ${length} bytes`, { cause: error });
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", stop);
  }
  if (timedOut) throw new ProxyError(504, `${target} did not answer within the proxy timeout: the client sent ${received} of ${length} bytes`);
  if (received !== length) throw new ProxyError(502, `the client's body ended after ${received} of the ${length} bytes its content-length announced`);
  return chunks.length === 1 ? chunks[0]! : concat(chunks, length);
}

/** `content-length` as a number, or `undefined` when absent, not one plain decimal, or framed chunked. */
function announcedLength(headers: Headers): number | undefined {
  if (headers.has("transfer-encoding")) return undefined;
  const value = headers.get("content-length");
  return value !== null && /^\d{1,16}$/.test(value) ? Number(value) : undefined;
}
