/**
 * What an intercept route (`interceptHttp`, `interceptRequest`) reads of a request's body: at
 * most `maxMessageSize` bytes (default 64 MiB), the bound the server already puts on what one
 * message may bring it. The original read every body whole with no bound, and so did these
 * routes: one POST of any size to an intercepted path (from a page's no-cors fetch as well) was
 * held whole in the hub's memory. A larger body is answered `413 {"error": …}` naming the option.
 *
 * All bodies together are bounded too, by the budget the mocks' bodies count against
 * (`maxMockBodyBytes`, ../mocks/_bodyBudget.ts): per request alone, 4,096 connections (the
 * default `maxConnections`) each bringing 64 MiB could make the hub hold 256 GiB. A body that
 * would pass the budget is answered `503 {"error": …}` naming it.
 *
 * A small body framed by its `content-length` (at most `SMALL_BODY`) cannot bring more than it
 * declares: it is reserved whole when its head comes, and `interceptHttp` reads it with `text()`,
 * `interceptRequest` hands it on as it came (on Node, srvx reads `text()` straight from the
 * socket's buffers: read from a counted stream instead, a 1 KiB POST cost a Node hub a median
 * 1.39× (interceptHttp) and 1.64× (interceptRequest) the CPU in session 21's A/B). A larger one,
 * and a chunked one, is counted as it comes, each chunk reserved as it arrives: a client that
 * declares 64 MiB and sends nothing holds no part of the budget. What comes past a bound is read and
 * dropped, not cancelled: cancelling a request's body cuts the connection on some runtimes before
 * the client reads the answer that refuses it (as the mocks' bodies, ../mocks/_pipeline.ts).
 *
 * A body whose client stops sending, its connection open, held what it had sent (up to
 * `maxMessageSize`, of the budget of all bodies) for as long as its client stayed, and a small one
 * all it declared (60 KiB declared and 1 byte sent: 60 KiB until it closed). Now a counted body is
 * dropped once no byte came for `idle` ms (the hub's proxyTimeout), as a mock's is, and a small one
 * read with `text()` once it has not all come within `idle` ms: 408, and the reservation goes back.
 * A small one handed on as it came gives its reservation back after `idle` ms (its reads are not
 * seen: the handler, waiting on a stalled client, answers when that read ends).
 */
import { concat, readUpTo } from "../_bytes.ts";
import { BodyBudgetError, BodyStalledError, readWithin, type BodyHold } from "../mocks/_bodyBudget.ts";
import type { JournalRecord } from "./_journalRecord.ts";
import { withBody } from "./_requestCopy.ts";

/**
 * The largest body `interceptHttp` reserves whole from its `content-length` and reads with
 * `text()`: small enough that clients which declare it and send nothing cannot take the budget
 * for long (it takes 4,096 of them, the default `maxConnections`, to hold the default 256 MiB, and
 * each gives it back after proxyTimeout), large enough for what test suites send to intercept routes.
 */
const SMALL_BODY = 64 * 1024;

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
 * `InterceptBodyTooLarge` past `limit` bytes, a `BodyBudgetError` past what `hold` may take, a
 * `BodyStalledError` once its client sent nothing for `idle` ms; the caller releases
 * `hold` once the handler is done.
 */
export async function readInterceptBody(request: Request, record: JournalRecord | undefined, limit: number, hold: BodyHold, idle: number): Promise<unknown> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const declared = declaredLength(request);
  let text: string;
  if (declared !== undefined && declared <= limit && declared <= SMALL_BODY && !record?.bodies) {
    if (!hold.take(declared)) throw await refusedUnread(request, BodyBudgetError.spent(hold, hold.others, declared));
    // Only as text: on Node, srvx reads `text()` straight from the socket's buffers, where
    // `arrayBuffer()` first builds a Web Request and its stream (4–6× the CPU per request).
    text = await textWithin(request, declared, hold, idle);
  } else {
    // Counted as it comes (chunked or large), or past the bound already (dropped as it comes), or
    // kept as bytes for the journal (a body that is not UTF-8 goes into the HAR as base64). From
    // its stream: on Node, srvx's `arrayBuffer()` first builds a whole Web Request (3× the CPU).
    const over = declared !== undefined && declared > limit;
    const { bytes, length, spent } = request.body ? await readHeld(request.body, over ? 0 : limit, hold, idle) : { bytes: EMPTY, length: 0, spent: false };
    if (length > limit) throw new InterceptBodyTooLarge(length, limit);
    if (spent) throw BodyBudgetError.spent(hold, hold.others, length);
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
 * `interceptRequest`'s request, its body bounded: as it came when its `content-length` is small
 * (reserved whole in `hold` at once, given back after `idle` ms at the latest); refused (the body
 * read and dropped) when it declares more than `limit`; else behind a stream that reserves each chunk as it comes and errors with an
 * `InterceptBodyTooLarge` once past the bound, or a `BodyBudgetError` once past the budget (the
 * rest is dropped), or a `BodyStalledError` once its client sent nothing for `idle` ms, which
 * `overLimit()` then reports whatever the handler made of the error. The caller releases `hold`
 * once the handler is done.
 */
export function boundedRequest(request: Request, limit: number, hold: BodyHold, idle: number): BoundedRequest | Promise<never> {
  // Synchronous but for a refusal: intercept routes are what test suites hammer.
  if (request.method === "GET" || request.method === "HEAD") return { request, overLimit: NONE };
  const declared = declaredLength(request);
  if (declared !== undefined && declared <= limit && declared <= SMALL_BODY) {
    if (!hold.take(declared)) return refusedUnread(request, BodyBudgetError.spent(hold, hold.others, declared)).then((refusal) => Promise.reject(refusal));
    // Handed on as it came (the handler's `text()` is srvx's fast path on Node; see the top of
    // this file). Its reads are not seen, so its reservation goes back after `idle` ms whatever the
    // handler does: a client that stalls is not answered 408, as a counted body's is.
    hold.releaseAfter(idle);
    return { request, overLimit: NONE };
  }
  const body = request.body;
  if (!body) return { request, overLimit: NONE };
  // Refused either way, whether the client sends it all or leaves mid-way.
  if (declared !== undefined && declared > limit) return refusedUnread(request, new InterceptBodyTooLarge(declared, limit)).then((refusal) => Promise.reject(refusal));
  let refused: BodyRefusal | undefined;
  const reader = body.getReader();
  let length = 0;
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await readWithin(reader, idle);
      } catch (error) {
        // Stalled (its bytes leave the budget once the handler is done), or the client went away.
        if (error instanceof BodyStalledError) {
          refused = error;
          hold.release();
          reader.cancel().catch(NONE);
        }
        return controller.error(error);
      }
      const { done, value } = next;
      if (done) return controller.close();
      length += value.byteLength;
      if (length <= limit && hold.take(value.byteLength)) return controller.enqueue(value);
      refused = length > limit ? new InterceptBodyTooLarge(length, limit, true) : BodyBudgetError.spent(hold, hold.others, length, true);
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
  /** The refusal, once a counted body passed the bound or the budget, or its client stalled. */
  overLimit: () => BodyRefusal | undefined;
}

/** Why an intercept route's body was not read: 413, 503 or 408. */
export type BodyRefusal = InterceptBodyTooLarge | BodyBudgetError | BodyStalledError;

const NONE = (): undefined => undefined;

/**
 * A small body's `text()`, or a `BodyStalledError` once it has not all come within `idle` ms, its
 * reservation given back then. `text()` gives no word of each chunk, so the bound is on the whole
 * body (at most `SMALL_BODY`), not between chunks. What the client did send stays with the
 * runtime's read, which ends when the client closes.
 */
function textWithin(request: Request, declared: number, hold: BodyHold, idle: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reading = request.text();
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      hold.release();
      reading.catch(NONE); // the client leaving later rejects it: no one waits for it then
      reject(new BodyStalledError(`the client did not send the request body's ${declared} bytes within ${idle}ms (proxyTimeout): it was dropped`));
    }, idle);
  });
  return Promise.race([reading, stalled]).finally(() => clearTimeout(timer));
}

/** `refusal`, once the body has been read and dropped (see the top of this file), or its client left. */
async function refusedUnread<E extends Error>(request: Request, refusal: E): Promise<E> {
  if (request.body) await readUpTo(request.body, 0).catch(NONE);
  return refusal;
}

/**
 * Reads `stream` to its end, keeping its first `limit` bytes, each chunk reserved in `hold` as it
 * arrives; once a chunk does not fit the budget nothing more is kept (`spent`) and what was kept
 * is given back. `length` counts every byte read. A `BodyStalledError` once nothing came for
 * `idle` ms, what was kept given back.
 */
async function readHeld(stream: ReadableStream<Uint8Array>, limit: number, hold: BodyHold, idle: number): Promise<{ bytes: Uint8Array; length: number; spent: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let kept = 0;
  let spent = false;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await readWithin(reader, idle);
    } catch (error) {
      if (error instanceof BodyStalledError) {
        hold.release();
        reader.cancel().catch(NONE);
      }
      throw error;
    }
    const { done, value } = next;
    if (done) return { bytes: concat(chunks, kept), length, spent };
    length += value.byteLength;
    if (spent || length > limit) continue;
    if (hold.take(value.byteLength)) {
      chunks.push(value);
      kept = length;
      continue;
    }
    spent = true;
    chunks.length = 0;
    kept = 0;
    hold.release();
  }
}

/** The body's declared length, or undefined without one (chunked). */
function declaredLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null) return undefined;
  const length = Number(header);
  return Number.isFinite(length) ? length : undefined;
}
