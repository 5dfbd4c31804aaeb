import { connectionTokens, HOP_BY_HOP } from "../_hopByHop.ts";
import type { RecordedExchange } from "./_load.ts";

/** What the journal and the redaction write in place of a secret: never sent back as a value. */
const REDACTED = "[redacted]";
const NO_BODY_STATUS = new Set([204, 205, 304]);

/**
 * The recorded answer as a Response: its status, its headers less hop-by-hop ones and redacted
 * values, `content-length` recomputed, `content-encoding` dropped when the body was stored
 * decoded (as HAR stores it), and the body byte for byte.
 */
export function answerOf(exchange: RecordedExchange, method: string): Response {
  const headers = new Headers();
  let connection: string | undefined;
  for (const [name, value] of exchange.headers) if (name.toLowerCase() === "connection") connection = value;
  const nominated = connectionTokens(connection);
  let recordedLength: string | undefined;
  for (const [rawName, value] of exchange.headers) {
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || nominated.has(name) || value === REDACTED) continue;
    if (name === "content-length") {
      recordedLength = value;
      continue;
    }
    if (name === "content-encoding" && exchange.contentEncoding === undefined) continue;
    headers.append(name, value);
  }
  const empty = NO_BODY_STATUS.has(exchange.status) || method === "HEAD";
  // A HEAD answer says how long the GET's body is: the recorded length is the only one known.
  if (method === "HEAD" && recordedLength !== undefined) headers.set("content-length", recordedLength);
  else if (!NO_BODY_STATUS.has(exchange.status)) headers.set("content-length", String(exchange.body.byteLength));
  return new Response(empty ? null : (exchange.body as Uint8Array<ArrayBuffer>), { status: exchange.status, headers });
}
