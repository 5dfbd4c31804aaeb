/** Recording bodies through Deno's proxy: small answers kept as the bytes read, cut at maxBodySize; streamed ones copied. */
import assert from "node:assert/strict";
import { Deno, startServer } from "./_deno.ts";

Deno.test("recording bodies, proxied answers reach the client whole and the journal keeps them cut at maxBodySize", async () => {
  const big = "b".repeat(300 * 1024);
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const got = await request.text();
    const path = new URL(request.url).pathname;
    if (path === "/api/big") return new Response(big);
    return new Response(path === "/api/long" ? "0123456789".repeat(10) : `echo:${got}`, { headers: { "content-type": "text/plain" } });
  });
  const server = await startServer({ journal: { bodies: true, maxBodySize: 64 } });
  server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.addr.port}`);
  const base = server.getUrl();
  assert.equal(await (await fetch(`${base}/api/echo`, { method: "POST", body: "hi" })).text(), "echo:hi");
  assert.equal(await (await fetch(`${base}/api/long`)).text(), "0123456789".repeat(10));
  assert.equal((await (await fetch(`${base}/api/big`)).text()).length, big.length);
  const deadline = Date.now() + 5000;
  while (server.journal.entries().some((e) => e.responseBody === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await server.teardown();
  await backend.shutdown();
  const [echo, long, large] = server.journal.entries({ kind: "http" });
  assert.deepEqual([echo!.requestBody, echo!.responseBody, echo!.responseBodyTruncated], ["hi", "echo:hi", false]);
  assert.deepEqual([long!.responseBody, long!.responseBodyTruncated], ["0123456789".repeat(10).slice(0, 64), true]);
  assert.deepEqual([large!.responseBody, large!.responseBodyTruncated], ["b".repeat(64), true]);
});
