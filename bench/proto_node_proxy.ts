/**
 * PROTOTYPE, bench only (recommendation for adapters/node.ts + src/server/_http.ts): the same
 * h3 app on the same srvx/crossws Node server as crossipc, but the proxy's upstream request goes
 * through `node:http` with a keep-alive `Agent` and the answer is a srvx `FastResponse` whose body
 * is the upstream `IncomingMessage` (piped, no Web streams), instead of h3 `proxyRequest` on the
 * global `fetch` (undici).
 *
 * Behaviour kept from crossipc: hop-by-hop headers dropped both ways, `x-forwarded-*` added,
 * the original path and query forwarded as is, request body streamed, failure → 502 JSON,
 * timeout → 504 JSON.
 */
import http from "node:http";
import { H3 } from "h3";
import { FastResponse } from "srvx";
import { serve } from "crossws/server/node";

const HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "expect", "host"]);
const HOP_RESPONSE = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);

const BUFFER_LIMIT = 256 * 1024;

export function createNodeUpstream(options: { timeoutMs: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: "lifo" });
  return {
    agent,
    proxy(request: Request, target: string): Promise<Response> {
      const node = (request as unknown as { runtime?: { node?: { req: http.IncomingMessage } } }).runtime?.node;
      if (!node) throw new Error("not a srvx Node request");
      const req = node.req;
      const url = new URL(target);
      const headers: Record<string, string | string[]> = {};
      const raw = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const key = raw[i]!.toLowerCase();
        if (HOP.has(key)) continue;
        const value = raw[i + 1]!;
        const prev = headers[key];
        headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
      headers["host"] = url.host;
      headers["x-forwarded-host"] = req.headers.host ?? "";
      headers["x-forwarded-proto"] = "http";
      const ip = req.socket.remoteAddress;
      if (ip) headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${ip}` : ip;
      return new Promise((resolve) => {
        const upstream = http.request(
          { agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers },
          (res) => {
            clearTimeout(timer);
            const out: Array<[string, string]> = [];
            const rawOut = res.rawHeaders;
            for (let i = 0; i < rawOut.length; i += 2) {
              const key = rawOut[i]!.toLowerCase();
              if (!HOP_RESPONSE.has(key)) out.push([key, rawOut[i + 1]!]);
            }
            const init = { status: res.statusCode, statusText: res.statusMessage, headers: out };
            // Small answers with a known length are read whole and sent as one Buffer: srvx pipes
            // a stream body with stream/promises `pipeline`, whose AbortController/DOMException
            // per request cost more than the copy.
            const length = Number(res.headers["content-length"] ?? -1);
            if (length >= 0 && length <= BUFFER_LIMIT) {
              const chunks: Buffer[] = [];
              res.on("data", (chunk: Buffer) => chunks.push(chunk));
              res.on("end", () => resolve(new FastResponse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) as unknown as BodyInit, init) as unknown as Response));
              res.on("error", () => fail(502, `Proxy error: ${target} broke off its answer`));
              return;
            }
            resolve(new FastResponse(res as never, init) as unknown as Response);
          },
        );
        const fail = (status: number, message: string) =>
          resolve(new FastResponse(JSON.stringify({ error: message, target }), { status, headers: [["content-type", "application/json"]] }) as unknown as Response);
        const timer = setTimeout(() => {
          upstream.destroy();
          fail(504, `Proxy timeout: ${target} did not answer within ${options.timeoutMs}ms`);
        }, options.timeoutMs);
        upstream.on("error", (error) => {
          clearTimeout(timer);
          fail(502, `Proxy error: ${target} is unreachable: ${error.message}`);
        });
        if (req.method === "GET" || req.method === "HEAD") upstream.end();
        else req.pipe(upstream);
      });
    },
  };
}

/** The prototype server: crossipc's listen options, an h3 app whose catch-all proxies through node:http. */
export async function startProtoNodeProxy(resolver: (path: string) => string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const upstream = createNodeUpstream({ timeoutMs: 30_000 });
  const app = new H3({ silent: true });
  app.all("/**", (event) => {
    const target = resolver(event.url.pathname);
    if (!target) return new Response(JSON.stringify({ error: "no route" }), { status: 404 });
    const url = event.req.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    return upstream.proxy(event.req, target.replace(/\/+$/, "") + url.slice(pathStart));
  });
  const server = serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch, websocket: {}, silent: true, gracefulShutdown: false, manual: true } as never) as unknown as {
    serve(): unknown;
    ready(): Promise<unknown>;
    close(all?: boolean): Promise<void>;
    url?: string;
  };
  await server.serve();
  await server.ready();
  return {
    port: Number(new URL(server.url!).port),
    async close() {
      upstream.agent.destroy();
      await server.close(true);
    },
  };
}
