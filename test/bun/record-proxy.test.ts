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
