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

Deno.test("journal.maxTotalBodySize: proxied and intercepted bodies never hold more than the budget; the oldest go first; a streamed answer counts as it arrives", async () => {
  const piece = 40_000;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const length = (await request.arrayBuffer()).byteLength;
    const path = new URL(request.url).pathname;
    // No content-length: the answers stream, and the journal copies them as they pass.
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        if (path === "/api/long") {
          for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(piece).fill(0x61 + i));
          await released;
          controller.enqueue(new Uint8Array(piece).fill(0x64));
        } else {
          controller.enqueue(new TextEncoder().encode("s".repeat(3000)));
          controller.enqueue(new TextEncoder().encode(`:${length}`));
        }
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/plain" } });
  });
  const budget = 150_000;
  const server = await startServer({ journal: { bodies: true, maxBodySize: 1 << 20, maxTotalBodySize: budget } });
  const settle = async () => {
    const deadline = Date.now() + 5000;
    while (server.journal.entries().some((e) => e.responseBody === undefined || (e.path !== "/api/long" && e.requestBody === undefined)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  try {
    server.interceptHttp("POST", "/json", (body) => ({ got: String(body).length }));
    server.interceptRequest("POST", "/raw", async (request) => new Response(`raw:${(await request.text()).length}`));
    server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.addr.port}`);
    const base = server.getUrl();
    for (let i = 0; i < 45; i++) {
      const where = ["/json", "/raw", "/api/echo"][i % 3]!;
      await (await fetch(`${base}${where}?i=${i}`, { method: "POST", body: String(i % 10).repeat(5000 + i) })).text();
      assert.ok(server.journal.bodyBytes <= budget, `after request ${i}: ${server.journal.bodyBytes}`);
    }
    await settle();
    let entries = server.journal.entries();
    assert.ok(entries.length < 45, `${entries.length} entries`);
    assert.equal(server.journal.dropped, 45 - entries.length);
    assert.equal(entries.at(-1)!.path, "/api/echo?i=44");
    for (const entry of entries) {
      const i = Number(entry.path.split("=")[1]);
      assert.deepEqual([entry.requestBody, entry.requestBodyTruncated, entry.responseBodyTruncated], [String(i % 10).repeat(5000 + i), false, false], entry.path);
    }

    // A streamed answer counts while it streams, after its entry was committed.
    const before = server.journal.bodyBytes;
    const response = await fetch(`${base}/api/long`);
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 3 * piece) received += (await reader.read()).value!.byteLength;
    const deadline = Date.now() + 5000;
    while (server.journal.bodyBytes < 3 * piece && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(server.journal.bodyBytes >= 3 * piece && server.journal.bodyBytes <= budget, `${server.journal.bodyBytes} held while streaming`);
    assert.ok(server.journal.bodyBytes < before + 3 * piece, "older entries went as it came");
    release();
    while (!(await reader.read()).done);
    await settle();
    entries = server.journal.entries();
    assert.deepEqual(entries.map((e) => [e.path, e.responseBody!.length, e.responseBodyTruncated]), [["/api/long", budget, true]]);
    assert.equal(server.journal.bodyBytes, budget);
  } finally {
    release();
    await server.teardown();
    await backend.shutdown();
  }
});
