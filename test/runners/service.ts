/**
 * The one real service of the runner suites ("shop"), in any runtime: an HTTP server of its own
 * that registers `/shop` with the hub the way a grest-ts service does (`discovery/register`).
 *   service.ts --hub PORT
 * Routes:
 *   GET /shop/price/:item        the real answer `{"item","price":0,"source":"service"}` (the
 *                                route every test file overrides inside its own scope)
 *   GET /shop/quote/:item        a nested call: asks the hub for `/shop/price/:item`, passing
 *                                `scopeHeaders(request)` on, and answers what it got
 *   GET /shop/page?item=I        a web page (Playwright's specs open it through the hub) that
 *                                shows the hub's answers to `/shop/price/I` (#price: status and
 *                                body) and `/shop/quote/I` (#quote: "<price> from <source>") and
 *                                the first message of a WebSocket to `/shop/live` (#live); the
 *                                service has no WebSocket of its own, a test mocks it
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

/** The page's requests are relative: served through the hub, they go to the hub (and carry its cookies). */
const PAGE = `<!doctype html>
<title>shop</title>
<p>price <output id="price"></output></p>
<p>quote <output id="quote"></output></p>
<p>live <output id="live"></output></p>
<script type="module">
  const item = encodeURIComponent(new URLSearchParams(location.search).get("item") ?? "kb-101");
  const show = (id, text) => (document.getElementById(id).textContent = text);
  const socket = new WebSocket(\`ws://\${location.host}/shop/live\`);
  socket.onmessage = (event) => show("live", event.data);
  socket.onclose = (event) => document.getElementById("live").textContent || show("live", \`closed \${event.code}\`);
  const price = await fetch(\`/shop/price/\${item}\`);
  show("price", \`\${price.status} \${await price.text()}\`);
  const quote = await (await fetch(\`/shop/quote/\${item}\`)).json();
  show("quote", quote.status === 200 ? \`\${quote.price.price} from \${quote.price.source}\` : \`error \${quote.status}\`);
</script>
`;

const barriers = new Map<string, { files: Set<string>; release: Set<() => void> }>();

async function handle(request: Request): Promise<Response> {
  const parts = new URL(request.url).pathname.split("/").slice(1).map(decodeURIComponent);
  const [prefix, route, ...rest] = parts;
  if (prefix !== "shop") return Response.json({ error: "not a shop path" }, { status: 404 });
  if (route === "page" && rest.length === 0) return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
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
