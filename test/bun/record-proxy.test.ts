/** Recording bodies through Bun's proxy: small answers kept as the bytes read, cut at maxBodySize; streamed ones copied. */
import { expect, test } from "bun:test";
import { startServer } from "./_setup.ts";

declare const Bun: { serve(options: { port: number; hostname: string; fetch(request: Request): Response | Promise<Response> }): { port: number; stop(force?: boolean): Promise<void> } };

test("recording bodies, proxied answers reach the client whole and the journal keeps them cut at maxBodySize", async () => {
  const big = "b".repeat(300 * 1024);
  const backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const got = await request.text();
      const path = new URL(request.url).pathname;
      if (path === "/api/big") return new Response(big);
      return new Response(path === "/api/long" ? "0123456789".repeat(10) : `echo:${got}`, { headers: { "content-type": "text/plain" } });
    },
  });
  const server = await startServer({ journal: { bodies: true, maxBodySize: 64 } });
  try {
    server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.port}`);
    const base = server.getUrl();
    expect(await (await fetch(`${base}/api/echo`, { method: "POST", body: "hi" })).text()).toBe("echo:hi");
    expect(await (await fetch(`${base}/api/long`)).text()).toBe("0123456789".repeat(10));
    expect((await (await fetch(`${base}/api/big`)).text()).length).toBe(big.length);
    await server.journal.waitFor({ path: "/api/big" }, 5000);
    const deadline = Date.now() + 5000;
    while (server.journal.entries().some((e) => e.responseBody === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const [echo, long, large] = server.journal.entries({ kind: "http" });
    expect([echo!.requestBody, echo!.responseBody, echo!.responseBodyTruncated]).toEqual(["hi", "echo:hi", false]);
    expect([long!.responseBody, long!.responseBodyTruncated]).toEqual(["0123456789".repeat(10).slice(0, 64), true]);
    expect([large!.responseBody, large!.responseBodyTruncated]).toEqual(["b".repeat(64), true]);
  } finally {
    await server.teardown();
    await backend.stop(true);
  }
});

test("journal.maxTotalBodySize: proxied and intercepted bodies never hold more than the budget; the oldest go first; a streamed answer counts as it arrives", async () => {
  const piece = 40_000;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
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
    },
  });
  const budget = 150_000;
  const server = await startServer({ journal: { bodies: true, maxBodySize: 1 << 20, maxTotalBodySize: budget } });
  try {
    server.interceptHttp("POST", "/json", (body) => ({ got: String(body).length }));
    server.interceptRequest("POST", "/raw", async (request) => new Response(`raw:${(await request.text()).length}`));
    server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.port}`);
    const base = server.getUrl();
    for (let i = 0; i < 45; i++) {
      const where = ["/json", "/raw", "/api/echo"][i % 3]!;
      await (await fetch(`${base}${where}?i=${i}`, { method: "POST", body: String(i % 10).repeat(5000 + i) })).text();
      expect(server.journal.bodyBytes).toBeLessThanOrEqual(budget);
    }
    const settle = async () => {
      const deadline = Date.now() + 5000;
      while (server.journal.entries().some((e) => e.responseBody === undefined || (e.path !== "/api/long" && e.requestBody === undefined)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await settle();
    let entries = server.journal.entries();
    expect(entries.length).toBeLessThan(45);
    expect(server.journal.dropped).toBe(45 - entries.length);
    expect(entries.at(-1)!.path).toBe("/api/echo?i=44");
    for (const entry of entries) {
      const i = Number(entry.path.split("=")[1]);
      expect([entry.requestBody, entry.requestBodyTruncated, entry.responseBodyTruncated]).toEqual([String(i % 10).repeat(5000 + i), false, false]);
    }

    // A streamed answer counts while it streams, after its entry was committed.
    const before = server.journal.bodyBytes;
    const response = await fetch(`${base}/api/long`);
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 3 * piece) received += (await reader.read()).value!.byteLength;
    const deadline = Date.now() + 5000;
    while (server.journal.bodyBytes < 3 * piece && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(server.journal.bodyBytes).toBeGreaterThanOrEqual(3 * piece);
    expect(server.journal.bodyBytes).toBeLessThanOrEqual(budget);
    expect(server.journal.bodyBytes).toBeLessThan(before + 3 * piece);
    release();
    while (!(await reader.read()).done);
    await settle();
    entries = server.journal.entries();
    const long = entries.at(-1)!;
    expect(long.path).toBe("/api/long");
    expect([long.responseBody!.length, long.responseBodyTruncated]).toEqual([budget, true]);
    expect(entries.length).toBe(1);
    expect(server.journal.bodyBytes).toBe(budget);
  } finally {
    release();
    await server.teardown();
    await backend.stop(true);
  }
});
