/**
 * Node: a malformed request pipelined behind one still being answered gets its 400 after that
 * answer, not instead of it.
 *
 * Node's own `clientError` handling writes its 400 (431, 408, 413) and destroys the socket at
 * once: a request in progress on the same connection (an intercept still waiting, a proxied
 * request) lost its answer. The Bun and Deno fronts answer it first, then refuse the malformed
 * request and close. Here Node does the same: each answer the connection still owes whose request
 * arrived whole is let finish (in order, as Node assigns them), then Node's own refusal is
 * written and the socket closed. With no answer in progress, or when the malformed bytes are the
 * body of the request being answered (that answer may wait for a body that never ends), or for a
 * socket error rather than a parse error, it is what Node does by default.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Node's own refusals (`_http_server.js`), by the parser's error code; anything else is a 400. */
const REFUSALS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

/** The answer Node has given `socket` to write now (`socket._httpMessage`, what Node itself reads here). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse & { req?: IncomingMessage } | null };

/** Replaces Node's default `clientError` handling on `server` with one that lets answers in progress finish first. */
export function refuseAfterAnswersInProgress(server: Server): void {
  // The parser stays in its error state: every later chunk on the socket reports the error again.
  const refusing = new WeakSet<Socket>();
  server.on("clientError", (error: Error & { code?: string }, socket: HttpSocket) => {
    if (refusing.has(socket)) return;
    refusing.add(socket);
    const refusal = `HTTP/1.1 ${REFUSALS[error.code ?? ""] ?? "400 Bad Request"}\r\nConnection: close\r\n\r\n`;
    if (!error.code?.startsWith("HPE_") && error.code !== "ERR_HTTP_REQUEST_TIMEOUT") return refuseNow(socket, refusal, error);
    refuseWhenAnswered(socket, refusal, error);
  });
}

/** Waits for each answer in progress whose request arrived whole, then refuses. */
function refuseWhenAnswered(socket: HttpSocket, refusal: string, error: Error): void {
  const answer = socket._httpMessage;
  if (!answer || !answer.req?.complete || socket.destroyed) return refuseNow(socket, refusal, error);
  // `close` follows `finish` (after Node assigned the next pipelined answer to the socket), or the socket closing.
  answer.once("close", () => refuseWhenAnswered(socket, refusal, error));
}

/** Node's default: the refusal unless an answer's head is already out, then the socket destroyed. */
function refuseNow(socket: HttpSocket, refusal: string, error: Error): void {
  if (socket.destroyed) return;
  if (socket.writable && !socket._httpMessage?.headersSent) socket.write(refusal);
  socket.destroy(error);
}
