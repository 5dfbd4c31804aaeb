import { connectionTokens, HOP_BY_HOP } from "../_hopByHop.ts";
import { ANSWER_BODY, ANSWER_HEADERS, getPlatform } from "../platform.ts";
import { responseBytes, type RecordedExchange } from "./_load.ts";

/** What the journal and the redaction write in place of a secret: never sent back as a value. */
const REDACTED = "[redacted]";
const NO_BODY_STATUS = new Set([204, 205, 304]);

/**
 * A recorded answer as it goes out, worked out once (on its first use) and then reused: a
 * request costs one Response object, no header filtering, no decoding, no copy of the body.
 */
export interface PreparedAnswer {
  readonly status: number;
  /** Lower-cased pairs, `content-length` included: what the client gets and the journal keeps. */
  readonly headers: Array<[string, string]>;
  /**
   * The list the response is built from: without `content-length` when there is a body, which
   * every runtime's server writes itself from the bytes (given one, Deno and Bun check it).
   */
  readonly sent: Array<[string, string]>;
  /** The same for a HEAD request: the recorded `content-length` (the GET's), no body. */
  readonly headHeaders: Array<[string, string]>;
  /** Null when the status has no body (204, 205, 304). */
  readonly body: Uint8Array | null;
}

/**
 * The recorded answer: its status, its headers less hop-by-hop ones and redacted values,
 * `content-length` recomputed, `content-encoding` dropped when the body was stored decoded (as
 * HAR stores it), and the body byte for byte.
 */
export function prepareAnswer(exchange: RecordedExchange): PreparedAnswer {
  let connection: string | undefined;
  for (const { name, value } of exchange.headers) if (name.toLowerCase() === "connection") connection = value;
  const nominated = connectionTokens(connection);
  const headers: Array<[string, string]> = [];
  let recordedLength: string | undefined;
  for (const { name: rawName, value } of exchange.headers) {
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || nominated.has(name) || value === REDACTED) continue;
    if (name === "content-length") {
      recordedLength = value;
      continue;
    }
    if (name === "content-encoding" && exchange.contentEncoding === undefined) continue;
    headers.push([name, value]);
  }
  const noBody = NO_BODY_STATUS.has(exchange.status);
  // A HEAD answer says how long the GET's body is: the recorded length is the only one known
  // (none recorded, none sent: the HEAD's own empty body says nothing of the GET's).
  const headHeaders = recordedLength !== undefined ? [...headers, ["content-length", recordedLength] as [string, string]] : headers;
  const body = noBody ? null : responseBytes(exchange);
  return { status: exchange.status, headers: body === null ? headers : withLength(headers, body), sent: headers, headHeaders, body };
}

function withLength(headers: Array<[string, string]>, body: Uint8Array): Array<[string, string]> {
  return [...headers, ["content-length", String(body.byteLength)]];
}

type AnswerConstructor = new (body: BodyInit | null, init?: ResponseInit) => Response;

/**
 * The Response for one request. On Node it is srvx's FastResponse, which writes the bytes and
 * the header list straight to the socket (a global Response with a body is streamed out through
 * a Web ReadableStream: ~2× the hub's CPU per request in the bench). The header list and the
 * bytes ride along for the journal, which then builds no Headers object and copies no stream.
 */
export function answerResponse(answer: PreparedAnswer, method: string): Response {
  const head = method === "HEAD";
  const headers = head ? answer.headHeaders : answer.headers;
  const AnswerResponse = (getPlatform().Response ?? Response) as AnswerConstructor;
  // The global Response copies a Uint8Array body; FastResponse hands this one to the socket as it is (never written to).
  const response = new AnswerResponse(head ? null : (answer.body as Uint8Array<ArrayBuffer> | null), { status: answer.status, headers: head ? headers : answer.sent });
  const extra = response as { [ANSWER_HEADERS]?: unknown; [ANSWER_BODY]?: unknown };
  extra[ANSWER_HEADERS] = headers;
  if (!head && answer.body) extra[ANSWER_BODY] = answer.body;
  return response;
}
