/**
 * PROTOTYPE, bench only (recommendation for src/server/_http.ts and src/server/_routes.ts): the
 * intercept path of crossipc without h3 in the request path, on the same srvx/crossws server:
 *  - one srvx `fetch` handler instead of an h3 app whose only route is `/**` (h3 did a rou3
 *    lookup, an `H3Event`, and its response conversion per request);
 *  - the intercept routes matched by rou3's compiled matcher (`rou3/compiler`), recompiled when
 *    a route is added or removed, instead of `findRoute` (which splits the path per request);
 *  - on Node, the handler's lower-cased headers are the `IncomingMessage.headers` record that
 *    Node already built, instead of a copy made by iterating a Web `Headers`;
 *  - the answer is a srvx `FastResponse` with a plain headers object, instead of setting
 *    `event.res.headers` (a Web `Headers`, sorted again when srvx writes it).
 * Same behaviour: JSON body (or undefined) in, data → 200 JSON, a Response as is, throw → 500.
 */
import { addRoute, createRouter } from "rou3";
import { compileRouter } from "rou3/compiler";
import { FastResponse } from "srvx";
import { runtime } from "./_rt.ts";

type Handler = (body: unknown, params: Record<string, string>, headers: Record<string, string>) => unknown;

const JSON_HEADERS = { "content-type": "application/json" };

export async function startProtoIntercept(routes: Array<[string, string, Handler]>): Promise<{ port: number; close(): Promise<void> }> {
  const router = createRouter<Handler>();
  for (const [method, path, handler] of routes) addRoute(router, method, path, handler);
  // In crossipc: recompile in InterceptRoutes.add/remove (routes change rarely, lookups are per request).
  const match = compileRouter(router) as (method: string, path: string) => { data: Handler; params?: Record<string, string> } | undefined;

  const json = (status: number, body: unknown) => new FastResponse(JSON.stringify(body), { status, headers: JSON_HEADERS });

  async function fetch(request: Request): Promise<Response> {
    const url = request.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const queryStart = url.indexOf("?", pathStart);
    const pathname = queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart);
    const found = match(request.method, pathname);
    if (!found) return json(404, { error: `No route for ${request.method} ${pathname}! Did you forget to start a service that defines this path?` });
    try {
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await readBody(request);
      const result = await found.data(body, decodeParams(found.params), headersOf(request));
      if (result instanceof Response) return result;
      return json(200, result);
    } catch (error) {
      return json(500, { error: (error as Error).message });
    }
  }

  const { serve } = await import(`crossws/server/${runtime()}`);
  const server = serve({ port: 0, hostname: "127.0.0.1", fetch, websocket: {}, silent: true, gracefulShutdown: false, manual: true });
  await server.serve();
  await server.ready();
  return { port: Number(new URL(server.url).port), close: () => server.close(true) };
}

function headersOf(request: Request): Record<string, string> {
  const node = (request as unknown as { runtime?: { node?: { req?: { headers: Record<string, string> } } } }).runtime?.node?.req;
  if (node) return node.headers;
  const out: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function decodeParams(params: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!params) return out;
  for (const key in params) {
    const value = params[key]!;
    out[key] = value.includes("%") ? safeDecode(value) : value;
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
