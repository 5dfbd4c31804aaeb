/**
 * The one real service of the runner suites ("shop"), in any runtime: an HTTP server of its own
 * that registers `/shop` with the hub the way a grest-ts service does (`discovery/register`).
 *   service.ts --hub PORT
 * Routes:
 *   GET /shop/price/:item        the real answer `{"item","price":0,"source":"service"}` (the
 *                                route every test file overrides inside its own scope)
 *   GET /shop/quote/:item        a nested call: asks the hub for `/shop/price/:item`, passing
 *                                `scopeHeaders(request)` on, and answers what it got
 *   GET /shop/barrier/:group/:phase/:file?count=N
 *                                answers once N distinct files of the group reached the phase
 *                                (or after 5 s with `released: false`, to be asked again), so
 *                                the files of one runner provably run at the same time
 * Prints `{"registered":true,"url":…}` and waits to be killed.
 */
import process from "node:process";
import { serve } from "srvx";
import { crossipc, runtime } from "../fixtures/_crossipc.ts";

const hubPort = Number(process.argv[process.argv.indexOf("--hub") + 1]);
const hubUrl = `http://127.0.0.1:${hubPort}`;
/** Well under the hub's proxyTimeout: a barrier request never turns into a 504. */
const BARRIER_WAIT_MS = 5000;

const barriers = new Map<string, { files: Set<string>; release: Set<() => void> }>();

async function handle(request: Request): Promise<Response> {
  const parts = new URL(request.url).pathname.split("/").slice(1).map(decodeURIComponent);
  const [prefix, route, ...rest] = parts;
  if (prefix !== "shop") return Response.json({ error: "not a shop path" }, { status: 404 });
  if (route === "price" && rest.length === 1) return Response.json({ item: rest[0], price: 0, source: "service" });
  if (route === "quote" && rest.length === 1) {
    const inner = await fetch(`${hubUrl}/shop/price/${encodeURIComponent(rest[0]!)}`, { headers: crossipc.scopeHeaders(request) });
    return Response.json({ quotedBy: "service", status: inner.status, price: await inner.json() });
  }
  if (route === "barrier" && rest.length === 3) {
    const count = Number(new URL(request.url).searchParams.get("count"));
    return Response.json(await barrier(`${rest[0]}/${rest[1]}`, rest[2]!, count));
  }
  return Response.json({ error: `no route ${request.method} ${new URL(request.url).pathname}` }, { status: 404 });
}

async function barrier(key: string, file: string, count: number): Promise<{ released: boolean; arrived: number }> {
  let state = barriers.get(key);
  if (!state) barriers.set(key, (state = { files: new Set(), release: new Set() }));
  state.files.add(file);
  if (state.files.size >= count) {
    for (const release of state.release) release();
    state.release.clear();
    return { released: true, arrived: state.files.size };
  }
  const current = state;
  const released = await new Promise<boolean>((resolve) => {
    const release = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      current.release.delete(release);
      resolve(false);
    }, BARRIER_WAIT_MS);
    current.release.add(release);
  });
  return { released, arrived: current.files.size };
}

// Bun ends a request that has sent nothing for 10 s by default; a quote waits on a mock in a
// test process, which a loaded machine can starve for longer. The hub's proxyTimeout bounds it.
const server = serve({ port: 0, hostname: "127.0.0.1", silent: true, gracefulShutdown: false, fetch: handle, bun: { idleTimeout: 60 } });
await server.ready();
const url = `http://127.0.0.1:${new URL(server.url!).port}`;
const client = new crossipc.IPCClient(hubPort);
await client.connect(`shop-${runtime}-${process.pid}`);
await client.sendFrameworkRequest(crossipc.HubRequests.register, [{ api: "shop", baseUrl: url, pathPrefix: "/shop" }]);
console.log(JSON.stringify({ registered: true, url, runtime, pid: process.pid }));
