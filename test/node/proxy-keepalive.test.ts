/**
 * The Node hub's pooled upstream connections and a backend's keep-alive limit. A backend closes
 * a connection idle for its keep-alive timeout; when the hub's event loop was busy past that
 * moment (a long synchronous task in the process that embeds the hub, a long GC), the backend's
 * close was not seen yet and the pooled connection looked usable. A request without a body is
 * sent again; an upload cannot be (its body is streamed), so it must not go out on a connection
 * the backend has already given up.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer } from "./_helpers.ts";

/** What a long synchronous task does to the event loop. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Holding the event loop on purpose.
  }
}

/**
 * A hub in front of a backend that keeps connections 2 s (announced as `Keep-Alive: timeout=2`;
 * Node's agent drops them at 1 s), whose route resolver holds the event loop `hold.ms` first.
 */
async function hubWithHeldResolver(t: Parameters<typeof startBackend>[0]) {
  const backend = await startBackend(t, async (req, res) => {
    let length = 0;
    for await (const chunk of req) length += (chunk as Buffer).length;
    res.end(`${req.method} ${length} bytes`);
  });
  backend.server.keepAliveTimeout = 2000;
  const server = await startServer(t);
  const hold = { ms: 0 };
  server.setRouteProxyResolver(() => {
    busy(hold.ms);
    return backend.url;
  });
  return { url: server.getUrl(), hold };
}

test("an upload after the hub's event loop was held past the backend's keep-alive goes through", async (t) => {
  const { url, hold } = await hubWithHeldResolver(t);
  const upload = (body: Buffer<ArrayBuffer>) => fetch(`${url}/upload`, { method: "POST", body }).then(async (r) => `${r.status} ${await r.text()}`);

  // The first request leaves a pooled connection behind.
  assert.equal(await upload(Buffer.alloc(10, 1)), "200 POST 10 bytes");
  // The hub is busy for longer than the backend keeps that connection, then forwards an upload.
  hold.ms = 3000;
  const big = Buffer.alloc(1024 * 1024, 2);
  assert.equal(await upload(big), `200 POST ${big.length} bytes`);
  // And once more on whatever the pool holds now, without a pause.
  hold.ms = 0;
  assert.equal(await upload(big), `200 POST ${big.length} bytes`);
});

test("a request without a body after the same hold goes through too", async (t) => {
  const { url, hold } = await hubWithHeldResolver(t);
  const get = () => fetch(`${url}/item`).then(async (r) => `${r.status} ${await r.text()}`);
  assert.equal(await get(), "200 GET 0 bytes");
  hold.ms = 3000;
  assert.equal(await get(), "200 GET 0 bytes");
});
