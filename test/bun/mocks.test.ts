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
