/**
 * What an intercept route (`interceptHttp`, `interceptRequest`) reads of a request's body: at
 * most `maxMessageSize` bytes (default 64 MiB), the bound the server already puts on what one
 * message may bring it. The original read every body whole with no bound, and so did these
 * routes: one POST of any size to an intercepted path (from a page's no-cors fetch as well) was
 * held whole in the hub's memory. A larger body is answered `413 {"error": …}` naming the option.
 *
 * A body framed by its `content-length` cannot bring more than it declares, so one within the
 * bound is read as before (on Node, srvx reads `text()` straight from the socket's buffers, 4–6×
 * cheaper than a stream); only a chunked body is counted as it comes. What comes past the bound is
 * read and dropped, not cancelled: cancelling a request's body cuts the connection on some
 * runtimes before the client reads the answer that refuses it (as the mocks' bodies, ../mocks/_pipeline.ts).
 */
import { readUpTo } from "../_bytes.ts";
import type { JournalRecord } from "./_journalRecord.ts";
import { withBody } from "./_requestCopy.ts";

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** A body over the intercept routes' bound: answered 413 with this message. */
export class InterceptBodyTooLarge extends Error {
  override readonly name = "InterceptBodyTooLarge";

  /** `soFar`: the body was cut off there, it may have had more. */
  constructor(length: number, limit: number, soFar = false) {
    super(`The request body (${length} bytes${soFar ? " so far" : ""}) is over the ${limit}-byte limit of what the server reads for an intercept route (maxMessageSize)`);
  }
}

/**
 * `interceptHttp`'s body: parsed as JSON whatever its content type (the original parsed every
 * body, and a spy that re-serialises a JSON body received as a string would send it
 * double-encoded); a body that is not JSON as text; an empty one as `undefined`. Throws an
 * `InterceptBodyTooLarge` past `limit` bytes.
 */
export async function readInterceptBody(request: Request, record: JournalRecord | undefined, limit: number): Promise<unknown> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const declared = declaredLength(request);
  let text: string;
  if (declared !== undefined && declared <= limit && !record?.bodies) {
    // Only as text: on Node, srvx reads `text()` straight from the socket's buffers, where
    // `arrayBuffer()` first builds a Web Request and its stream (4–6× the CPU per request).
    text = await request.text();
  } else {
    // Counted as it comes (chunked), or past the bound already (dropped as it comes), or kept as
    // bytes for the journal (a body that is not UTF-8 goes into the HAR as base64). From its
    // stream: on Node, srvx's `arrayBuffer()` first builds a whole Web Request (3× the CPU).
    const over = declared !== undefined && declared > limit;
    const { bytes, length } = request.body ? await readUpTo(request.body, over ? 0 : limit) : { bytes: EMPTY, length: 0 };
    if (length > limit) throw new InterceptBodyTooLarge(length, limit);
    if (record?.bodies) record.setBody("request", bytes);
    text = decoder.decode(bytes);
  }
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `interceptRequest`'s request, its body bounded: as it came when its `content-length` is within
 * `limit`; refused (the body read and dropped) when it declares more; a chunked one behind a
 * stream that errors with an `InterceptBodyTooLarge` once past the bound (the rest is dropped),
 * which `overLimit()` then reports whatever the handler made of the error.
 */
export function boundedRequest(request: Request, limit: number): BoundedRequest | Promise<never> {
  // Synchronous but for a refusal: intercept routes are what test suites hammer.
  if (request.method === "GET" || request.method === "HEAD") return { request, overLimit: NONE };
  const declared = declaredLength(request);
  if (declared !== undefined && declared <= limit) return { request, overLimit: NONE };
  const body = request.body;
  if (!body) return { request, overLimit: NONE };
  // Refused either way, whether the client sends it all or leaves mid-way.
  if (declared !== undefined) return readUpTo(body, 0).then(NONE, NONE).then(() => Promise.reject(new InterceptBodyTooLarge(declared, limit)));
  let refused: InterceptBodyTooLarge | undefined;
  const reader = body.getReader();
  let length = 0;
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      length += value.byteLength;
      if (length <= limit) return controller.enqueue(value);
      refused = new InterceptBodyTooLarge(length, limit, true);
      controller.error(refused);
      // Read and dropped to its end, not cancelled (see the top of this file).
      void (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done);
      })();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { request: withBody(request, counted), overLimit: () => refused };
}

export interface BoundedRequest {
  request: Request;
  /** The refusal, once a chunked body passed the bound. */
  overLimit: () => InterceptBodyTooLarge | undefined;
}

const NONE = (): undefined => undefined;

/** The body's declared length, or undefined without one (chunked). */
function declaredLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null) return undefined;
  const length = Number(header);
  return Number.isFinite(length) ? length : undefined;
}
