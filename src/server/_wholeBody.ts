/**
 * A proxied request body read whole before the upstream `fetch` is called, for a runtime whose
 * `fetch` keeps no connection for a streamed body (`Platform.proxyWholeBody`, Bun's): what
 * nginx does by default (`proxy_request_buffering on`), bounded by the body's `content-length`.
 */
import { ProxyError } from "../platform.ts";

/**
 * The `content-length` of `request`'s body when it is to be read whole: 1 to `bound` bytes, not
 * chunked, on a method whose body is forwarded; `undefined` (stream it as before) otherwise.
 */
export function wholeBodyLength(request: Request, bound: number): number | undefined {
  if (request.method === "GET" || request.method === "HEAD" || request.body === null) return undefined;
  const headers = request.headers;
  if (headers.has("transfer-encoding")) return undefined;
  const value = headers.get("content-length");
  if (value === null || !/^\d{1,16}$/.test(value)) return undefined;
  const length = Number(value);
  return length > 0 && length <= bound ? length : undefined;
}

/**
 * `request`'s body of `length` bytes (`wholeBodyLength`), as a Blob. Never holds more than that
 * length: the servers frame a body by it. A client that stops sending gets the proxy's 504 at
 * `deadline` (a `Date.now()` value), as when its body was streamed; one that leaves fails the read
 * (the caller answers 499: `request.signal` is aborted).
 *
 * `blob()`, not a reader and not `arrayBuffer()`: on Bun the body stays in native memory and
 * `fetch` sends it from there; a body read chunk by chunk from JavaScript, or copied into an
 * ArrayBuffer, cost the hub more CPU per 256 KiB POST than the connections it saved
 * (bench/ANALYSIS.md, "Session 16"). What is unread when the deadline passes is left to the
 * connection: the client sends the rest or leaves, and nothing past `length` is held meanwhile.
 */
export async function readWholeBody(request: Request, length: number, deadline: number, target: string): Promise<Blob> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ProxyError(504, `${target} got no request: the client's body did not arrive within the proxy timeout`)), Math.max(0, deadline - Date.now()));
  });
  const reading = request.blob();
  let body: Blob;
  try {
    body = await Promise.race([reading, late]);
  } catch (error) {
    // Read on after a timeout: its end (or failure) is the connection's business now.
    reading.catch(() => {});
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(502, `the client's body failed before its ${length} bytes arrived`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (body.size !== length) throw new ProxyError(502, `the client's body ended after ${body.size} of the ${length} bytes its content-length announced`);
  return body;
}
