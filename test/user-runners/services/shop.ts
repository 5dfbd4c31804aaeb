// The shop service (Bun): /shop/price/:item, /shop/quote/:item (asks the hub for the price,
// passing scopeHeaders(request) on), /shop/page (a page with the quote and a live WebSocket), /shop/live.
import { joinHub, scopeHeaders } from "crossipc";

const port = Number(process.env.CROSSIPC_HUB_PORT);
const hub = `http://127.0.0.1:${port}`;
const page = `<!doctype html><html><body><p id="quote">…</p><p id="live">…</p><script>
const item = new URLSearchParams(location.search).get("item");
fetch("/shop/quote/" + item).then((r) => r.json()).then((q) => { document.getElementById("quote").textContent = q.price.price + " from " + q.price.source; });
const ws = new WebSocket(location.origin.replace("http", "ws") + "/shop/live");
ws.onmessage = (e) => { document.getElementById("live").textContent = e.data; ws.close(); };
</script></body></html>`;

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request, srv) {
    const url = new URL(request.url);
    if (url.pathname === "/shop/live") {
      if (srv.upgrade(request)) return undefined;
      return new Response("upgrade expected", { status: 400 });
    }
    if (url.pathname === "/shop/page") return new Response(page, { headers: { "content-type": "text/html" } });
    let m = url.pathname.match(/^\/shop\/price\/([^/]+)$/);
    if (m) return Response.json({ item: m[1], price: 0, source: "service" });
    m = url.pathname.match(/^\/shop\/quote\/([^/]+)$/);
    if (m) {
      const res = await fetch(`${hub}/shop/price/${m[1]}`, { headers: { ...scopeHeaders(request), accept: "application/json" } });
      const price = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
      return Response.json({ item: m[1], status: res.status, price });
    }
    return new Response("not here", { status: 404 });
  },
  websocket: {
    open(ws) { ws.send("real live"); },
    message(ws, data) { ws.send(data); },
  },
});
await joinHub(port, { runtimeId: "shop-bun", entries: [{ api: "shop", baseUrl: `http://127.0.0.1:${server.port}`, pathPrefix: "/shop" }] });
console.log("shop ready", server.port);
