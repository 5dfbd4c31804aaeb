/**
 * A handler's answer got from `fetch()` (a spy's `return fetch(service)`, README "A mock and a
 * spy") holds the body `fetch` already decoded, yet keeps the service's `content-encoding` and
 * `content-length` headers. Sent as it was, the client got `content-encoding: gzip` over plain
 * bytes (its decoder fails) and, on Node, a `content-length` of the compressed size over the
 * longer decoded body (the rest read as the next response: a parse error). Any service that
 * compresses (the spy forwards the client's `accept-encoding`) broke the README's spy on Node
 * and Bun, and the same answer from a `connectMocks` handler on every runtime.
 */

/**
 * The codings every runtime's `fetch` undoes (Node's undici, Bun, Deno). Another coding is left
 * on the body by `fetch`, so its header stays true. Bun's `fetch(url, { decompress: false })`
 * keeps gzip bytes under these names: such an answer must be given a new Response by its handler.
 */
const DECODED_BY_FETCH = new Set(["gzip", "x-gzip", "deflate", "br"]);

/**
 * The headers to send `response`'s body under: its own, less `content-encoding` and
 * `content-length` when it came from `fetch` (`url` set: a Response a handler built has none)
 * with a body and a coding `fetch` decoded. `undefined` when they are right as they are.
 */
export function decodedAnswerHeaders(response: Response): Headers | undefined {
  // No body (a HEAD, a 204 or 304): nothing was decoded, and the headers describe the body a GET would get.
  if (!response.url || response.body === null) return undefined;
  const coding = response.headers.get("content-encoding");
  if (coding === null || !DECODED_BY_FETCH.has(coding.trim().toLowerCase())) return undefined;
  // A fetched Response's headers are immutable: a copy.
  const headers = new Headers(response.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  return headers;
}

/** `response`, or the same status and body under `decodedAnswerHeaders` when those differ. */
export function decodedAnswer(response: Response): Response {
  const headers = decodedAnswerHeaders(response);
  return headers === undefined ? response : new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
