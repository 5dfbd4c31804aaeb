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

/** The message naming the first header of `headers` the runtime could not write, or undefined when all are fine. */
export function invalidHeader(headers: Headers): string | undefined {
  // Headers already refused bad names, NUL, CR and LF: only the value's other controls are left.
  for (const pair of headers) if (!HEADER_VALUE.test(pair[1])) return `header ${quoted(pair)} is not a valid HTTP header`;
  return undefined;
}
