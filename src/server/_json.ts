/**
 * A JSON document whose one list is `items`, as text in pieces, one per item: `head` ends where
 * the list opens, `tail` closes it and the rest. A journal of large bodies is never one string.
 */
export function* jsonListChunks(head: string, items: Iterable<unknown>, tail: string, separator = ","): Generator<string> {
  yield head;
  let first = true;
  for (const item of items) {
    yield (first ? "" : separator) + terminalSafeJson(item);
    first = false;
  }
  yield tail;
}

/**
 * `JSON.stringify(value)` with the C1 controls (U+0080–U+009F) escaped as `\u0080`…, as it
 * escapes C0 ones: the same JSON to a parser, and nothing a terminal acts on (U+009B is CSI, an
 * ESC `[`) when `crossipc journal --har` or `--json` prints it. Such characters can only stand
 * inside strings, so replacing them anywhere keeps the JSON valid.
 */
export function terminalSafeJson(value: unknown): string {
  const text = JSON.stringify(value);
  return C1.test(text) ? text.replace(C1_ALL, (char) => `\\u00${char.charCodeAt(0).toString(16)}`) : text;
}

const C1 = /[\u0080-\u009f]/;
const C1_ALL = /[\u0080-\u009f]/g;

/** A JSON answer built from the Web-standard Response (the adapters' servers take it as is). */
export function jsonResponse(status: number, body: unknown, headers?: HeadersInit): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set("content-type", "application/json");
  return response;
}
