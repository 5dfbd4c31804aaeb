import { getPlatform } from "../platform.ts";

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
 * ESC `[`) when `crossipc journal --har` or `--json` prints it. So are the bidirectional controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line separators U+2028/U+2029,
 * which `crossipc journal --json` and `status --json` printed raw (a right-to-left override turns
 * the rest of a terminal line around). Such characters can only stand inside strings, so
 * replacing them anywhere keeps the JSON valid.
 */
export function terminalSafeJson(value: unknown): string {
  const text = JSON.stringify(value);
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`) : text;
}

const UNSAFE = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

/**
 * A JSON answer in the runtime's own Response (`Platform.Response`, srvx's FastResponse on Node):
 * a Node hub sent the global Response's text chunked, so its refusals (403 Host, 400, 426…) went
 * without the `content-length` its 404/502/504 and Bun's and Deno's refusals have.
 */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  const AnswerResponse = getPlatform().Response ?? Response;
  return new AnswerResponse(JSON.stringify(body), { status, headers: { ...headers, "content-type": "application/json" } });
}
