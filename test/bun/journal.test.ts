/** The journal and the dashboard's JSON on Bun. */
import { expect, test } from "bun:test";
import { connect, crossipc, startServer } from "./_setup.ts";

const { IPCServer, IPCClient } = crossipc;
const double = IPCServer.defineRequest<number, number>("math/double");
const hello = IPCClient.defineRequest<string, string>("client/hello");

declare const Bun: { serve(options: { port: number; hostname: string; fetch(request: Request): Response | Promise<Response> }): { port: number; stop(force?: boolean): Promise<void> } };

test("the journal records intercepted, proxied and framework requests; the dashboard serves them", async () => {
  const backend = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (request) => new Response(`echo:${await request.text()}`) });
  const server = await startServer({ dashboard: true, accessToken: "tok" });
  try {
    server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
    server.setRouteProxyResolver((path) => (path.startsWith("/api") ? `http://127.0.0.1:${backend.port}` : undefined));
    server.onFrameworkMessage(double, (n) => n * 2);
    const client = await connect(server, "bun-worker", { heartbeatInterval: 0, accessToken: "tok" });
    client.onFrameworkRequest(hello, (name) => `hi ${name}`);

    expect(await client.sendFrameworkRequest(double, 4)).toBe(8);
    expect(await server.sendFrameworkMessage("bun-worker", hello, "hub")).toBe("hi hub");
    expect(await (await fetch(`${server.getUrl()}/users/5`)).text()).toBe('{"id":"5"}');
    expect(await (await fetch(`${server.getUrl()}/api/x?y=1`, { method: "POST", body: "hello" })).text()).toBe("echo:hello");
    expect((await fetch(`${server.getUrl()}/nope`)).status).toBe(404);

    expect(server.journal.entries().map((e) => [e.kind, e.direction ?? e.method, e.path, e.takenBy, e.status ?? e.ok])).toEqual([
      ["websocket", "GET", "/__ggFrameworkConnection?runtimeId=bun-worker&token=[redacted]", "framework", 101],
      ["framework", "in", "math/double", "framework", true],
      ["framework", "out", "client/hello", "framework", true],
      ["http", "GET", "/users/5", "intercept", 200],
      ["http", "POST", "/api/x?y=1", "proxy", 200],
      ["http", "GET", "/nope", "none", 404],
    ]);
    expect(server.journal.entries({ status: "4xx" }).map((e) => e.path)).toEqual(["/nope"]);
    const proxied = server.journal.entries({ path: "/api/x" })[0]!;
    expect(proxied.requestSize).toBe(5);
    expect(proxied.requestHeaders?.["content-length"]).toBe("5");

    expect((await fetch(`${server.getUrl()}/__crossipc/api/state`)).status).toBe(401);
    const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state?token=tok`)).json();
    expect(state.runtime).toBe("bun");
    expect(state.clients.map((c: { runtimeId: string; requests: unknown }) => [c.runtimeId, c.requests])).toEqual([["bun-worker", { in: 1, out: 1 }]]);
    const journal = await (await fetch(`${server.getUrl()}/__crossipc/api/journal?token=tok&method=POST`)).json();
    expect(journal.entries.map((e: { path: string }) => e.path)).toEqual(["/api/x?y=1"]);
    client.disconnect();
  } finally {
    await server.teardown();
    await backend.stop(true);
  }
});

test("an intercept's own Response is journaled with the bytes it sent when the journal keeps bodies (its headers say no size; counted from the journal's copy)", async () => {
  const server = await startServer({ journal: { bodies: true } });
  try {
    server.interceptHttp("GET", "/http", () => new Response("héllo"));
    server.interceptRequest("GET", "/bytes", () => new Response(new Uint8Array([0, 255, 1])));
    server.interceptRequest("GET", "/empty", () => new Response(null, { status: 204 }));
    for (const path of ["/http", "/bytes", "/empty"]) await (await fetch(`${server.getUrl()}${path}`)).arrayBuffer();
    expect(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.responseSize])).toEqual([["/http", 6], ["/bytes", 3], ["/empty", 0]]);
  } finally {
    await server.teardown();
  }
});

test("a proxied answer is journaled with its size, and the HAR says it (Bun's server took content-length out of the answer's headers as it sent them)", async () => {
  const backend = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => new Response("y".repeat(Number(new URL(request.url).pathname.slice(5)))) });
  const server = await startServer();
  try {
    server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.port}`);
    for (const size of [1, 1000, 300_000]) expect((await (await fetch(`${server.getUrl()}/api/${size}`)).arrayBuffer()).byteLength).toBe(size);
    expect(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.responseSize])).toEqual([["/api/1", 1], ["/api/1000", 1000], ["/api/300000", 300_000]]);
    expect(server.journal.toHAR().log.entries.map((e) => [e.response.bodySize, e.response.content.size])).toEqual([[1, 1], [1000, 1000], [300_000, 300_000]]);
  } finally {
    await server.teardown();
    await backend.stop(true);
  }
});

test("a HEAD through the proxy answers the service's content-length (h3 drops it, and Bun's server then said 0)", async () => {
  const backend = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("y".repeat(12345), { headers: { "content-type": "text/plain" } }) });
  const server = await startServer();
  try {
    server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.port}`);
    const direct = await fetch(`http://127.0.0.1:${backend.port}/file`, { method: "HEAD" });
    expect(direct.headers.get("content-length")).toBe("12345");
    const proxied = await fetch(`${server.getUrl()}/file`, { method: "HEAD" });
    expect([proxied.status, proxied.headers.get("content-length"), await proxied.text()]).toEqual([200, "12345", ""]);
    expect(server.journal.entries({ method: "HEAD" }).map((e) => e.responseSize)).toEqual([12345]);
  } finally {
    await server.teardown();
    await backend.stop(true);
  }
});

test("a HEAD through the proxy to a service whose answer is chunked says no content-length (Bun's server said 0: an empty GET)", async () => {
  const net = await import("node:net");
  // The service's HEAD as node:http writes it for a chunked GET: transfer-encoding, no length.
  const backend = net.createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n")));
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const server = await startServer();
  try {
    server.setRouteProxyResolver(() => `http://127.0.0.1:${(backend.address() as { port: number }).port}`);
    const proxied = await fetch(`${server.getUrl()}/stream`, { method: "HEAD" });
    expect([proxied.status, proxied.headers.get("content-length"), await proxied.text()]).toEqual([200, null, ""]);
  } finally {
    await server.teardown();
    backend.close();
  }
});
