/**
 * What an intercept route's handler answered that no runtime can send: not a Response at all (an
 * `interceptRequest` handler that forgot its `return`), a network error (`Response.error()`,
 * status 0), or a Response whose body was already read or locked (a spy that read
 * `await response.json()` and returned the same response). Each
 * runtime's server met these its own way: Node dropped the connection without an answer, Bun
 * answered `200 Welcome to Bun!` or its HTML error page and printed the error on stderr, Deno
 * answered a plain-text 500. They are the handler's mistakes, so they answer as a throw does
 * (SPEC §3: 500 `{"error": message}`), the same on every runtime, and print nothing.
 */
import { quoted } from "../_excerpt.ts";

/**
 * Why `answer` cannot be sent as the handler's Response, or undefined when it can. `lookAtBody`
 * false (Deno, Bun: `Platform.bodyGetterChangesAnswer`) does not ask `body` whether it is locked:
 * asking made Deno send every plain text answer chunked, and Bun send it as
 * `application/octet-stream`. (Bun says `bodyUsed` of a locked body, so it is still caught there;
 * Deno leaves a locked, unread body to its own text 500.)
 */
export function unsendableAnswer(answer: unknown, lookAtBody = true): string | undefined {
  // Duck-typed, not `instanceof Response`: a Response of another realm or a polyfill is still one.
  if (typeof answer !== "object" || answer === null || typeof (answer as Response).headers !== "object" || (answer as Response).headers === null) {
    return `answered ${quoted(answer)}, not a Response`;
  }
  const response = answer as Response;
  // `Response.error()`, a network error: status 0, which no HTTP answer has.
  if (!(response.status >= 200 && response.status <= 599)) return `answered a Response with status ${quoted(response.status)} (Response.error() is a network error, not an answer), which HTTP cannot send`;
  if (response.bodyUsed === true || (lookAtBody && response.body?.locked === true)) {
    return "answered a Response whose body was already read: read a clone (response.clone()) and return the original, or return a new Response";
  }
  return undefined;
}
