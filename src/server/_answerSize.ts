/**
 * The size of an answer a local handler built itself (an intercept's `Response`). Its headers
 * rarely say it (the runtime frames the body), so the journal, the dashboard's size column and
 * the HAR had none, where an intercept's data and a remote mock's answer have theirs.
 *
 * The bytes are counted from a copy as the body flows to the client, nothing kept. Up to
 * `SMALL_ANSWER` only: a copy may read a streamed body ahead of a slow client, and the runtime
 * holds what it read for that client, so a longer answer is left without a size, as a proxied
 * answer sent chunked is. A body the runtime already holds whole (text, bytes) costs no more.
 */
import { SMALL_ANSWER } from "../platform.ts";
import type { JournalRecord } from "./_journalRecord.ts";

/** Sets `record.responseSize` from the body of `response` once counted (at once when it has none or says its length). */
export function countAnswerSize(response: Response, record: JournalRecord): void {
  // `content-length` is read from the headers when the entry is read.
  if (response.headers.has("content-length")) return;
  if (response.body === null) {
    record.responseSize = 0;
    return;
  }
  let copy: ReadableStream<Uint8Array>;
  try {
    copy = response.clone().body!;
  } catch {
    return; // A body already used cannot be copied: its size stays unknown.
  }
  void countUpTo(copy, SMALL_ANSWER).then((size) => {
    if (size !== undefined) record.responseSize ??= size;
  });
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
