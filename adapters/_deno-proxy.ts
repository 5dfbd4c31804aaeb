/**
 * The Deno adapter's HTTP upstream: the Node adapter's (`_node-proxy.ts`: `node:http` with a
 * keep-alive agent, bodies piped both ways) on Deno's Node compatibility layer, answering with
 * Web Responses.
 *
 * Not Deno's `fetch`: it decodes every gzip, deflate or br answer and drops its
 * `content-encoding` and `content-length`, also with `accept-encoding` set by hand, and has no
 * switch to leave it (Deno 2.9; `Deno.createHttpClient` has none either, denoland/deno#12291). So
 * a compressed answer reached the client decoded, not as the service sent it (SPEC §3: headers and
 * body streamed through). `node:http` under Deno hands over the bytes and headers as they came, as
 * on Node, so a Deno hub passes them on as Node's and Bun's do.
 */
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { nodeUpstream } from "./_node-proxy.ts";

/** Statuses whose Response must have no body (Fetch's "null body status"): Deno's Response throws otherwise. */
const NULL_BODY = new Set([101, 204, 205, 304]);

export const proxyHttpDeno: ReturnType<typeof nodeUpstream> = nodeUpstream((body, init, request) => {
  if (request.method === "HEAD" || NULL_BODY.has(init.status)) {
    // Nothing to read, but its end must be read for the connection to go back to the pool.
    if (!(body instanceof Uint8Array)) (body as IncomingMessage).resume();
    // A HEAD whose service gave no length (a chunked or close-delimited GET): `Deno.serve` says
    // `content-length: 0` for a null body, an empty GET; for an empty stream it sends neither
    // header, as the service and a Node hub do (checked on Deno 2.9.6).
    if (request.method === "HEAD" && !NULL_BODY.has(init.status) && !init.headers.some(([name]) => name === "content-length")) {
      return new Response(new ReadableStream({ start: (controller) => controller.close() }), init);
    }
    return new Response(null, init);
  }
  // `toWeb` reads on as Deno.serve pulls (backpressure), and destroys the answer if the client leaves.
  // A 100 MiB download still grows the hub by 19–36 MiB: not read-ahead (a pull-only stream or
  // highWaterMark 0 did no better) but Deno's node:http reads, each a new buffer V8 frees late
  // (bench/ANALYSIS.md, "where the Deno hub's memory goes").
  const stream = body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : (Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>);
  return new Response(stream, init);
});
