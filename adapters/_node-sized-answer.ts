/**
 * `Platform.sizedAnswer` on Node: a handler's own `Response` whose body is already whole goes out
 * with its `content-length`, as Bun and Deno send it.
 *
 * srvx writes a global (undici) `Response` by streaming its body, so Node framed even
 * `new Response("text")` chunked, where Deno and Bun send the length such a body has. Node keeps
 * that length in undici's private state (a symbol on Node 20, a `#` field on Node 24), so it is
 * not asked for: the body is read as far as it is there by the end of this turn of the event
 * loop. A body made from a string, bytes, a Blob, URLSearchParams or FormData is whole by then
 * (undici queues it at once); so is a stream whose source enqueued everything and closed, which
 * Bun also sends with its length. A stream still waiting on its source (a timer, a socket, a slow
 * producer) is not held back: what was read goes first and the rest follows, chunked as before.
 * @hono/node-server sends global Responses the same way on Node; srvx does not, hence this file.
 */
import { FastResponse } from "srvx/node";
import { ANSWER_BODY, ANSWER_HEADERS, SMALL_ANSWER } from "../src/platform.ts";
import { concat } from "../src/_bytes.ts";

/**
 * The most read ahead past the first chunk (`SMALL_ANSWER`, the bound of what the hub reads whole
 * elsewhere): a body still going past it is streamed. The first chunk is in memory already (a
 * string's bytes come as one), so it is not counted; the bound is for a source that makes chunks
 * as fast as it is asked (one that never ends would otherwise be read for ever).
 */
const READ_AHEAD = SMALL_ANSWER;

/** Statuses whose answer has no body: Node sends none, and no `content-length` is added for them. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

const LATER: unique symbol = Symbol("later");

export async function sizedAnswerNode(response: Response): Promise<Response> {
  // A length the handler gave: srvx writes it, and Node frames the body by it.
  if (NO_BODY.has(response.status) || response.headers.has("content-length") || response.headers.has("transfer-encoding")) return response;
  const body = response.body;
  if (body === null) return whole(response, new Uint8Array(0));
  if (body.locked || response.bodyUsed) return response;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // One timer for the whole look: a read that has not settled when it fires waits on its source.
  let timer: ReturnType<typeof setImmediate> | undefined;
  const later = new Promise<typeof LATER>((resolve) => (timer = setImmediate(resolve, LATER)));
  try {
    for (;;) {
      const next = reader.read();
      // A read that fails is left to the stream below: the client's connection is cut as before.
      const got = await Promise.race([next, later]).catch((): typeof LATER => LATER);
      if (got === LATER) return streamed(response, reader, chunks, next);
      if (got.done) return whole(response, joined(chunks, size));
      chunks.push(got.value);
      size += got.value.byteLength;
      if (size - chunks[0]!.byteLength > READ_AHEAD) return streamed(response, reader, chunks, undefined);
    }
  } finally {
    clearImmediate(timer);
  }
}

/** The answer with its bytes and their length; the journal takes both from it (no copy of a stream). */
function whole(response: Response, bytes: Uint8Array): Response {
  const headers: Array<[string, string]> = [];
  for (const pair of response.headers) headers.push(pair);
  headers.push(["content-length", String(bytes.byteLength)]);
  const answer = new FastResponse(bytes as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers });
  const extra = answer as { [ANSWER_HEADERS]?: unknown; [ANSWER_BODY]?: unknown };
  extra[ANSWER_HEADERS] = headers;
  extra[ANSWER_BODY] = bytes;
  return answer;
}

/** What was read, then the rest of the handler's stream as it comes (a read under way first). */
function streamed(response: Response, reader: ReadableStreamDefaultReader<Uint8Array>, chunks: Uint8Array[], pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined): Response {
  let index = 0;
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < chunks.length) return controller.enqueue(chunks[index++]!);
      const next = pending ?? reader.read();
      pending = undefined;
      const { done, value } = await next;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    // The client left (or the request was a HEAD): the handler's stream is told, as srvx tells it.
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(rest, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The one chunk as it is (no copy of a string's bytes), or all of them in one new array. */
function joined(chunks: Uint8Array[], size: number): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : concat(chunks, size);
}
