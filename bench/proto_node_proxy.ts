/**
 * PROTOTYPE, bench only (recommendation for adapters/_node-proxy.ts `proxyHttpNode`): a crossipc
 * IPCServer identical to the measured one except that the Node proxy upstream reads small answers
 * whole. The adapter hands srvx the upstream `IncomingMessage` as the response body; srvx pipes it
 * with `stream/promises.pipeline`, which creates an `AbortController` per response and aborts it
 * when done (a `DOMException` with a stack trace): 10% of the hub's self time in the profile. When
 * the answer has a `content-length` ≤ 256 KiB, reading it into one `Buffer` and answering that is
 * cheaper; larger or unsized answers keep streaming with backpressure.
 *
 * Done here by wrapping the adapter's `proxyHttp` (so only that one step differs) and starting a
 * second IPCServer after swapping the platform's `proxyHttp`.
 */
import type { IncomingMessage } from "node:http";
import { FastResponse } from "srvx";

const BUFFER_LIMIT = 256 * 1024;

type ProxyHttp = (request: Request, target: string, options: { timeout: number }) => Promise<Response>;

export function bufferSmallAnswers(proxyHttp: ProxyHttp): ProxyHttp {
  return async (request, target, options) => {
    const response = await proxyHttp(request, target, options);
    const inner = (response as unknown as { _toNodeResponse?: () => { status: number; statusText: string; headers: string[]; body: unknown } })._toNodeResponse?.();
    if (!inner) return response;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < inner.headers.length; i += 2) pairs.push([inner.headers[i]!, inner.headers[i + 1]!]);
    const init = { status: inner.status, statusText: inner.statusText, headers: pairs };
    const body = inner.body as IncomingMessage | undefined;
    const length = Number(body?.headers?.["content-length"] ?? -1);
    if (!body || typeof body.on !== "function" || length < 0 || length > BUFFER_LIMIT) return new FastResponse(body as never, init) as unknown as Response;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      body.on("data", (chunk: Buffer) => chunks.push(chunk));
      body.once("end", () => resolve());
      body.once("error", reject);
    });
    return new FastResponse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) as unknown as BodyInit, init) as unknown as Response;
  };
}

/** Starts an IPCServer whose Node proxy upstream buffers small answers (call after the measured server started). */
export async function startProtoNodeProxy(resolver: (path: string) => string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const adapter = await import("../adapters/node.ts");
  const platform = await import("../src/platform.ts");
  const current = platform.getPlatform();
  if (!current.proxyHttp) throw new Error("this crossipc has no Node proxy upstream to wrap");
  platform.setPlatform({ ...current, proxyHttp: bufferSmallAnswers(current.proxyHttp as ProxyHttp) });
  const server = new adapter.IPCServer(0, {});
  try {
    if (!(await server.start())) throw new Error("start() returned false on port 0");
  } finally {
    platform.setPlatform(current);
  }
  server.setRouteProxyResolver(resolver);
  return { port: server.getPort(), close: () => server.teardown() };
}
