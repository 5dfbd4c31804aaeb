/**
 * The reason phrase of a Node hub's status line. A Web `Response` has `statusText: ""` unless one
 * is given, and srvx writes it as given (`writeHead(404, "", …)`), which Node takes as an explicit
 * empty phrase: `HTTP/1.1 404 `, where Bun and Deno write `HTTP/1.1 404 Not Found` for the same
 * Response. The phrase means nothing to HTTP/1.1 (RFC 9112 §4), but clients and logs show it.
 * crossws's upgrade refusals are written by hand the same way (`_node-upgrade-refusal.ts`).
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";

/** A `ServerResponse` that writes Node's standard phrase where it was handed an empty one; any other phrase as given. */
export class PhrasedServerResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | unknown[], headers?: OutgoingHttpHeaders | unknown[]): this {
    // Without a string phrase Node writes its own (STATUS_CODES) unless `statusMessage` holds one.
    if (reason === "") {
      return headers === undefined ? super.writeHead(statusCode) : super.writeHead(statusCode, headers as OutgoingHttpHeaders);
    }
    return super.writeHead(statusCode, reason as string, headers as OutgoingHttpHeaders);
  }
}
