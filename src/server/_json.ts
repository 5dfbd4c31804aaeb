/**
 * A JSON document whose one list is `items`, as text in pieces, one per item: `head` ends where
 * the list opens, `tail` closes it and the rest. A journal of large bodies is never one string.
 */
export function* jsonListChunks(head: string, items: Iterable<unknown>, tail: string, separator = ","): Generator<string> {
  yield head;
  let first = true;
  for (const item of items) {
    yield (first ? "" : separator) + JSON.stringify(item);
    first = false;
  }
  yield tail;
}

/** A JSON answer built from the Web-standard Response (the adapters' servers take it as is). */
export function jsonResponse(status: number, body: unknown, headers?: HeadersInit): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set("content-type", "application/json");
  return response;
}
