/**
 * `Platform.countedAnswer` on Node: a handler's own `Response` sent with its body bytes counted
 * as they are written. srvx writes a Web `Response` chunked from its body stream; here the same
 * stream is written the same way, through srvx's "pipeable" body (what React's
 * `renderToPipeableStream` hands it: an object with `pipe` and `abort`), so counting adds no
 * stream and no copy. A `clone()` to count from cost 1.5–2× the server's CPU per request
 * (bench/ANALYSIS.md, session 12), and its copy kept a streamed body running after its client left.
 */
import type { Writable } from "node:stream";
import { FastResponse } from "srvx/node";

export function countedAnswerNode(response: Response, sent: (bytes: number) => void): Response {
  const reader = response.body!.getReader();
  // Cancelling the handler's stream, as srvx does when the client leaves or the request is a HEAD.
  const stop = () => void reader.cancel().catch(() => {});
  const body = {
    pipe(out: Writable): Writable {
      let bytes = 0;
      const next = (): void => void reader.read().then(write, fail);
      const write = ({ done, value }: ReadableStreamReadResult<Uint8Array>): void => {
        if (out.destroyed) return stop();
        if (done) {
          sent(bytes);
          out.end();
          return;
        }
        bytes += value.byteLength;
        if (out.write(value)) next();
        else out.once("drain", next);
      };
      // The handler's stream failed: the connection is cut, as srvx does (the client sees no clean end).
      const fail = (error: unknown) => out.destroy(error instanceof Error ? error : undefined);
      out.once("close", stop);
      next();
      return out;
    },
    abort: stop,
    destroy: stop,
  };
  return new FastResponse(body as unknown as BodyInit, { status: response.status, statusText: response.statusText, headers: response.headers });
}
