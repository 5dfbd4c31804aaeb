/**
 * `connect()` rejects with what the runtime said, and runtimes quote the URL they dialled, the
 * framework path's `?token=` in it: Bun's WebSocket error on any failed connect ("WebSocket
 * connection to 'ws://127.0.0.1:9000/__ggFrameworkConnection?token=T' failed"), every runtime's
 * "Invalid URL" (a port past 65535), and a server's refusal that echoes the request. Those
 * messages land in test output and CI logs, so the token reads `[redacted]` there, as it does in
 * the hub's logs and in the CLI's output.
 */

const REDACTED = "[redacted]";

/**
 * Replaces the token in `text`: the query pair as the client sent it (`token=` and the token
 * URL-encoded), whatever its length, and the token itself, URL-encoded or not, when it has 8
 * characters or more (as the CLI does: a shorter one would garble ordinary words).
 */
export function hideToken(text: string, token: string | undefined): string {
  if (token === undefined || token === "") return text;
  const sent = new URLSearchParams({ token }).toString();
  let shown = text.split(sent).join(`token=${REDACTED}`);
  if (token.length >= 8) {
    for (const form of new Set([token, sent.slice("token=".length), encodeURIComponent(token)])) shown = shown.split(form).join(REDACTED);
  }
  return shown;
}

/**
 * The error with the token out of its message (and its stack, which repeats the message): a new
 * error of the same name and `code` when the message held it, else the error itself.
 */
export function errorWithoutToken<T>(error: T, token: string | undefined): T | Error {
  if (!(error instanceof Error) || token === undefined) return error;
  const message = hideToken(error.message, token);
  if (message === error.message) return error;
  const hidden = new Error(message);
  hidden.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (hidden as { code?: unknown }).code = code;
  return hidden;
}
