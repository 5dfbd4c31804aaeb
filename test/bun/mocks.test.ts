/** connectMocks under `bun test` (SPEC §10): scopes, `await using`, the journal of a scope. */
import { afterAll, expect, test } from "bun:test";
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
});
