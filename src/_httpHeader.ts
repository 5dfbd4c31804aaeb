/**
 * What an HTTP header the hub answers may hold, checked before the runtime's server writes it:
 * a handler's own answer (a remote mock's, an intercept route's) comes from code the hub does not
 * control, and a header the runtime cannot write broke the answer, or the whole hub, mid-way.
 */
import { quoted } from "./_excerpt.ts";

/** RFC 9110 §5.6.2's token: what a header name may hold (a raw client could send anything; the runtime would throw mid-answer). */
export const HEADER_NAME: RegExp = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/**
 * RFC 9110 §5.5's field value: tabs, visible and Latin-1 characters, no other control. The Fetch
 * standard's Headers also take the other controls (only NUL, CR, LF are refused), so a handler's
 * own `new Response("…", { headers: { "x-v": "a\u0001b" } })` passed them, and each runtime's
 * server did something else with it: Deno 2.9.6 panicked (the whole hub process gone, every test
 * on it with it), Bun wrote the byte and its clients could not parse the answer, Node answered an
 * empty 500. Such an answer is a 502 naming the header on every runtime.
 */
export const HEADER_VALUE: RegExp = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The most header fields an answer the hub builds from another process's list may hold (a remote
 * mock's answer, a replayed HAR entry's), and the most bytes of names and values. Bun's and
 * Deno's Headers take each field in time that grows with those before it: a replayed entry of
 * 20,000 headers (a 600 KB HAR) held a Bun hub's thread 1.1 s for each request it answered, and
 * 100,000 held it 47 s (a Deno hub 84 s), every other process's requests waiting. At 1,000 an
 * answer still cost a Bun hub 16–20 ms and a Deno hub 21–96 ms (load ~3); at 256, 2–4 ms and
 * 4–10 ms, where 10 headers cost 2 ms. Real answers carry tens; clients read no more than this
 * anyway (Node's http client 16 KiB of a head, Chromium 256 KiB).
 */
export const MAX_ANSWER_HEADERS: number = 256;
export const MAX_ANSWER_HEADER_BYTES: number = 256 * 1024;

/** Why an answer with `count` header fields of `bytes` bytes (names and values) is refused, or undefined. */
export function tooManyAnswerHeaders(count: number, bytes: number): string | undefined {
  if (count > MAX_ANSWER_HEADERS) return `${count} header fields, more than the ${MAX_ANSWER_HEADERS} an answer of the hub may carry`;
  if (bytes > MAX_ANSWER_HEADER_BYTES) return `${bytes} bytes of header names and values, more than the ${MAX_ANSWER_HEADER_BYTES} an answer of the hub may carry`;
  return undefined;
}

/** The message naming the first header of `headers` the runtime could not write, or undefined when all are fine. */
export function invalidHeader(headers: Headers): string | undefined {
  // Headers already refused bad names, NUL, CR and LF: only the value's other controls are left.
  for (const pair of headers) if (!HEADER_VALUE.test(pair[1])) return `header ${quoted(pair)} is not a valid HTTP header`;
  return undefined;
}
