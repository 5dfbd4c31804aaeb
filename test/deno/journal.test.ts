/** The journal and the dashboard's JSON on Deno, with every sanitizer on. */
import assert from "node:assert/strict";
import { connect, crossipc, Deno, startServer } from "./_deno.ts";

const { IPCServer } = crossipc;
const double = IPCServer.defineRequest<number, number>("math/double");

Deno.test("the journal records intercepted, proxied and framework requests; the dashboard serves them", async () => {
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => new Response(`echo:${await request.text()}`));
  const server = await startServer({ dashboard: true, journal: { bodies: true, maxBodySize: 8 } });
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  server.setRouteProxyResolver((path) => (path.startsWith("/api") ? `http://127.0.0.1:${backend.addr.port}` : undefined));
  server.onFrameworkMessage(double, (n) => n * 2);
  const client = await connect(server, "deno-worker", { heartbeatInterval: 0 });

  assert.equal(await client.sendFrameworkRequest(double, 4), 8);
  assert.equal(await (await fetch(`${server.getUrl()}/users/5`)).text(), '{"id":"5"}');
  assert.equal(await (await fetch(`${server.getUrl()}/api/x?y=1`, { method: "POST", body: "0123456789" })).text(), "echo:0123456789");
  const proxied = await server.journal.waitFor({ path: "/api/x", method: "POST" }, 5000);
  assert.deepEqual([proxied.takenBy, proxied.target, proxied.status], ["proxy", `http://127.0.0.1:${backend.addr.port}/api/x?y=1`, 200]);
  const entries = server.journal.entries();
  assert.deepEqual(
    entries.map((e) => [e.kind, e.path, e.takenBy, e.status ?? e.ok]),
    [
      ["websocket", "/__ggFrameworkConnection?runtimeId=deno-worker", "framework", 101],
      ["framework", "math/double", "framework", true],
      ["http", "/users/5", "intercept", 200],
      ["http", "/api/x?y=1", "proxy", 200],
    ],
  );

  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.equal(state.runtime, "deno");
  assert.deepEqual(state.clients.map((c: { runtimeId: string; requests: unknown }) => [c.runtimeId, c.requests]), [["deno-worker", { in: 1, out: 0 }]]);
  assert.deepEqual(state.routes, [{ method: "GET", path: "/users/:id", hits: 1 }]);
  const foreign = await fetch(`${server.getUrl()}/__crossipc/api/journal`, { headers: { origin: "http://evil.example" } });
  assert.equal(foreign.status, 403);
  await foreign.body?.cancel();

  const events = await fetch(`${server.getUrl()}/__crossipc/api/events`);
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  await (await fetch(`${server.getUrl()}/users/6`)).text();
  while (!text.includes('"path":"/users/6"')) text += (await reader.read()).value ?? "";
  await reader.cancel();

  client.disconnect();
  await server.teardown();
  await backend.shutdown();
  // The proxied bodies were copied while they streamed, and cut at the limit.
  assert.equal(server.journal.get(proxied.id)?.requestBody, "01234567");
  assert.equal(server.journal.get(proxied.id)?.requestBodyTruncated, true);
});

Deno.test("an intercept's own Response is journaled with the bytes it sent when the journal keeps bodies (its headers say no size; counted from the journal's copy)", async () => {
  const server = await startServer({ journal: { bodies: true } });
  server.interceptHttp("GET", "/http", () => new Response("héllo"));
  server.interceptRequest("GET", "/bytes", () => new Response(new Uint8Array([0, 255, 1])));
  server.interceptRequest("GET", "/empty", () => new Response(null, { status: 204 }));
  for (const path of ["/http", "/bytes", "/empty"]) await (await fetch(`${server.getUrl()}${path}`)).arrayBuffer();
  await server.teardown();
  assert.deepEqual(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.responseSize]), [["/http", 6], ["/bytes", 3], ["/empty", 0]]);
});

Deno.test("an intercept's own Response of text goes out with its length at the journal's defaults (counting its size made Deno send it chunked)", async () => {
  const server = await startServer();
  server.interceptRequest("GET", "/text", () => new Response("héllo"));
  const response = await fetch(`${server.getUrl()}/text`);
  assert.equal(await response.text(), "héllo");
  await server.teardown();
  assert.equal(response.headers.get("content-length"), "6");
  assert.equal(response.headers.get("transfer-encoding"), null);
});
