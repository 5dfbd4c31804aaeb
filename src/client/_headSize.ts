/**
 * The size of the upgrade request the client sends. The access token travels in the URL's query
 * (`?token=`, as grest-ts's clients send it), so a long one makes a long request line, and a
 * server reads only so much of a request's head: Node's `http` 16 KiB by default, Bun's server
 * 16 KiB, a Deno hub's front 16 KiB. Past that the server answers 431 and the client said only
 * "Unexpected server response: 431" (Node), or that the WebSocket failed (Bun, Deno, a browser).
 * The message names the token's size instead, never the token.
 */

/**
 * The longest request head a hub or an IPCServer reads (Node's default `maxHeaderSize`, Bun's, the
 * Deno front's): a URL longer than this is not sent, as no server would read its request line.
 */
export const MAX_REQUEST_HEAD: number = 16 * 1024;

/** Why the upgrade request is too large (`why`), with the token's size when there is one. */
export function headTooLarge(token: string | undefined, why: string): string {
  const size = token === undefined ? "" : `: the access token is ${new TextEncoder().encode(token).byteLength} bytes`;
  return `the upgrade request is too large for the server${size} (${why})`;
}
