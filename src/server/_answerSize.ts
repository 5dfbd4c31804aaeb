/**
 * The size of an answer a local handler built itself (an intercept's `Response`). Its headers
 * rarely say it (the runtime frames the body), so the journal, the dashboard's size column and
 * the HAR had none, where an intercept's data and a remote mock's answer have theirs.
 *
 * Where the runtime counts what it writes (`Platform.countedAnswer`: Node), every answer gets its
 * size at no cost. Elsewhere (Bun, Deno) only when the journal keeps bodies: the bytes are then
 * counted from a copy (`clone()`) as the body flows to the client, nothing kept, up to
 * `SMALL_ANSWER` only: a copy may read a streamed body ahead of a slow client, and the runtime
 * holds what it read for that client, so a longer answer is left without a size, as a proxied
 * answer sent chunked is.
 */
import { getPlatform, SMALL_ANSWER } from "../platform.ts";
import type { JournalRecord } from "./_journalRecord.ts";

/**
 * Sets `record.responseSize` from the body of `response` once counted (at once when it has none
 * or says its length). Returns the answer to send: `response`, or the runtime's own that counts it.
 */
export function countAnswerSize(response: Response, record: JournalRecord): Response {
  // `content-length` is read from the headers when the entry is read.
  if (response.headers.has("content-length")) return response;
  const counted = getPlatform().countedAnswer;
  // Elsewhere only when the journal keeps bodies (it copies this answer then anyway). Not even
  // `body` is read before: Deno then sends a text body chunked instead of with its length, and a
  // copy per answer at the defaults cost Deno 1.4× and Bun 1.14× the CPU of such a request.
  if (!counted && !record.bodies) return response;
  const body = response.body;
  if (body === null) {
    record.responseSize = 0;
    return response;
  }
  if (body.locked) return response; // A body already being read cannot be counted: its size stays unknown.
  if (counted) {
    // The handler's headers as they are: the answer the runtime sends would build a copy when read.
    record.responseHeaders = response.headers;
    return counted(response, (bytes) => (record.responseSize ??= bytes));
  }
  let copy: ReadableStream<Uint8Array>;
  try {
    copy = response.clone().body!;
  } catch {
    return response;
  }
  void countUpTo(copy, SMALL_ANSWER).then((size) => {
    if (size !== undefined) record.responseSize ??= size;
  });
  return response;
}

/** The bytes of `stream` when at most `max`; `undefined` past it (then the copy is let go) or when it fails. */
async function countUpTo(stream: ReadableStream<Uint8Array>, max: number): Promise<number | undefined> {
  const reader = stream.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return size;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
    }
  } catch {
    return undefined; // The body failed (the client left, the handler's stream threw).
  }
}
