/** connectMocks under `bun test` (SPEC §10): scopes, `await using`, the journal of a scope. */
import { afterAll, expect, test } from "bun:test";
import net from "node:net";
import { crossipc, startServer } from "./_setup.ts";

const { connectMocks, passthrough } = crossipc;
const hub = await startServer();
hub.interceptHttp("GET", "/users/:id", (_body, params) => ({ real: params.id }));
afterAll(() => hub.teardown());

test("each scope sees its own mock; passthrough reaches the hub's own route", async () => {
  await using mocks = await connectMocks(hub.getPort(), { runtimeId: "bun-test" });
  await using a = mocks.scope();
  await using b = mocks.scope();
  await a.intercept("GET", "/users/:id", (_body, params) => ({ a: params.id }));
  await b.intercept("GET", "/users/:id", () => passthrough());
  const ask = async (headers?: Record<string, string>) => (await fetch(`${hub.getUrl()}/users/7`, { headers })).json();
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => ask([a.headers, b.headers, undefined][i % 3])));
  answers.forEach((answer, i) => expect(answer).toEqual(i % 3 === 0 ? { a: "7" } : { real: "7" }));
  expect((await a.entries({ kind: "http" })).length).toBe(20);
  expect((await b.entries({ kind: "http" })).every((e) => e.takenBy === "intercept" && e.scope === b.id)).toBe(true);
});

test("a mock's new Response(\"text\") reaches the client as text/plain, as it would from a Node or Deno process", async () => {
  // Bun keeps that type in the body, not in `headers`: the hub got none and sent application/octet-stream.
  await using mocks = await connectMocks(hub.getPort());
  await mocks.interceptRequest("GET", "/typed/text", () => new Response("hello"));
  await mocks.interceptRequest("GET", "/typed/own", () => new Response("{}", { headers: { "content-type": "application/problem+json" } }));
  const text = await fetch(`${hub.getUrl()}/typed/text`);
  expect([text.headers.get("content-type"), await text.text()]).toEqual(["text/plain;charset=utf-8", "hello"]);
  const own = await fetch(`${hub.getUrl()}/typed/own`);
  expect([own.headers.get("content-type"), await own.text()]).toEqual(["application/problem+json", "{}"]);
  // Bytes that are not text are not called text (Bun's Blob says text/plain of every untyped body);
  // a Blob's own type is kept.
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);
  await mocks.interceptRequest("GET", "/typed/bytes", () => new Response(png));
  await mocks.interceptRequest("GET", "/typed/blob", () => new Response(new Blob([png], { type: "image/png" })));
  const bytes = await fetch(`${hub.getUrl()}/typed/bytes`);
  // (This hub is Bun's: Bun.serve itself calls untyped bytes application/octet-stream; Node and Deno hubs send none.)
  expect([bytes.headers.get("content-type"), [...new Uint8Array(await bytes.arrayBuffer())]]).toEqual(["application/octet-stream", [...png]]);
  const blob = await fetch(`${hub.getUrl()}/typed/blob`);
  expect([blob.headers.get("content-type"), [...new Uint8Array(await blob.arrayBuffer())]]).toEqual(["image/png", [...png]]);
});

test("a mock's fetched answer that came without a content-type reaches the client without text/plain", async () => {
  // Bun's Blob of such a fetched answer says text/plain;charset=utf-8: the mock sent that type on, which the service never gave.
  const service = net.createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\n\x01\x02\x03")));
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  try {
    await using mocks = await connectMocks(hub.getPort());
    await mocks.interceptRequest("GET", "/typed/fetched", () => fetch(`http://127.0.0.1:${(service.address() as net.AddressInfo).port}/`));
    const fetched = await fetch(`${hub.getUrl()}/typed/fetched`);
    // What this test's (Bun) hub's server sends for a body with no type, as it does for its own `new Response(bytes)`.
    expect([fetched.headers.get("content-type"), [...new Uint8Array(await fetched.arrayBuffer())]]).toEqual(["application/octet-stream", [1, 2, 3]]);
  } finally {
    service.close();
  }
});
