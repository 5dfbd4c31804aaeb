/**
 * The size of the upgrade request the client sends. The access token travels in the URL's query
 * (`?token=`, as grest-ts's clients send it), so a long one makes a long request line, and a
 * server reads only so much of a request's head: Node's `http` 16 KiB by default, Bun's server
 * 16 KiB, a Deno hub's front 16 KiB. Past that the server answers 431 and the client said only
 * "Unexpected server response: 431" (Node), or that the WebSocket failed (Bun, Deno, a browser).
 * These messages name the token's size instead, never the token.
 */

/** The longest request head a hub or an IPCServer reads (Node's default `maxHeaderSize`, Bun's, the Deno front's). */
export const MAX_REQUEST_HEAD: number = 16 * 1024;

/**
 * Why no server would read the upgrade of `target` (its path and query), or undefined: a request
 * line longer than every server's head limit, before a single header is counted. Checked before
 * connecting, so that nothing is sent that cannot be read.
 */
export function headTooLong(target: string, token: string | undefined): string | undefined {
  // The target is URL-encoded: ASCII, a byte per character.
  if (target.length <= MAX_REQUEST_HEAD) return undefined;
  return `${tooLarge(token)} (the request's URL is ${target.length} bytes; a server reads at most ${MAX_REQUEST_HEAD} bytes of a request's head)`;
}

/** The message for a server's 431 (its head limit is lower than the URL, or the headers made up the rest). */
export function headRefused(token: string | undefined): string {
  return `${tooLarge(token)} (the server answered 431 Request Header Fields Too Large)`;
}

function tooLarge(token: string | undefined): string {
  if (token === undefined) return "the upgrade request is too large for the server";
  const encoded = new URLSearchParams({ token }).toString().length - "token=".length;
  return `the access token is too large to send: ${new TextEncoder().encode(token).byteLength} bytes, ${encoded} in the URL's query`;
}
