import type { Journal, JournalFilter } from "../server/journal.ts";

/** `?method=&path=&status=&client=&kind=&scope=&direction=&after=`: the journal filter, over HTTP; a string says what is wrong. */
export function journalFilterOf(query: URLSearchParams): JournalFilter | string {
  const filter: JournalFilter = {};
  const text = (name: string) => query.get(name) || undefined;
  filter.method = text("method");
  filter.path = text("path");
  filter.client = text("client");
  filter.kind = text("kind") as JournalFilter["kind"];
  filter.direction = text("direction") as JournalFilter["direction"];
  // `null` selects requests without a scope, as the library's `scope: null` does (a query string
  // has no null; a scope you name "null" is found with the library's filter only).
  const scope = text("scope");
  filter.scope = scope === "null" ? null : scope;
  const status = text("status");
  if (status !== undefined) {
    if (/^[1-5]xx$/.test(status)) filter.status = status as `${1 | 2 | 3 | 4 | 5}xx`;
    else if (/^\d{3}$/.test(status)) filter.status = Number(status);
    else return `status must be a number such as 404 or a class such as 4xx, got ${quoted(status)}`;
  }
  const after = text("after");
  if (after !== undefined) {
    if (!/^\d{1,15}$/.test(after)) return `after must be an entry id, got ${quoted(after)}`;
    filter.after = Number(after);
  }
  return filter;
}

/** `?limit=`: the last that many that match (api/journal and journal.har alike); a string says what is wrong. */
export function journalLimitOf(query: URLSearchParams): number | undefined | string {
  const limit = query.get("limit") || undefined;
  if (limit === undefined) return undefined;
  return /^\d{1,9}$/.test(limit) ? Number(limit) : `limit must be a number, got ${quoted(limit)}`;
}

/** A value the caller sent, quoted in an error: cut, as a query string may be kilobytes long. */
function quoted(value: string): string {
  return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
}

/**
 * `GET /__crossipc/api/journal.har`: the journal as HAR 1.2 with the same filters (and `limit`) as
 * `/api/journal`, streamed one entry at a time (a journal of large bodies is never one string).
 */
export function harAnswer(journal: Journal, query: URLSearchParams, json: (status: number, body: unknown) => Response): Response {
  const filter = journalFilterOf(query);
  if (typeof filter === "string") return json(400, { error: filter });
  const limit = journalLimitOf(query);
  if (typeof limit === "string") return json(400, { error: limit });
  let chunks: Generator<string>;
  try {
    chunks = journal.harJson(filter, limit);
  } catch (error) {
    // A filter the journal refuses (a path glob too long): the caller's mistake, said plainly.
    return json(400, { error: (error as Error).message });
  }
  return jsonStream(chunks, {
    "cache-control": "no-store",
    "content-type": "application/json",
    "content-disposition": 'attachment; filename="crossipc.har"',
  });
}

/**
 * A response whose body is `chunks`, read only when the client asks for more, in writes of
 * about 64 KiB (an entry per write would be a thousand small writes for a page's read).
 */
export function jsonStream(chunks: Generator<string>, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = "";
      for (let next = chunks.next(); ; next = chunks.next()) {
        if (next.done) {
          if (text) controller.enqueue(encoder.encode(text));
          return controller.close();
        }
        text += next.value;
        if (text.length >= 65_536) return controller.enqueue(encoder.encode(text));
      }
    },
    cancel() {
      chunks.return(undefined);
    },
  });
  return new Response(body, { headers });
}
