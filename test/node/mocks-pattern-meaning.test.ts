/**
 * A mock rule's pattern and a fault's `path` mean what an intercept route's does (SPEC §10, §12:
 * "the intercept routes' own"), with find-my-way's meaning as code written for the original
 * expects: `/files/*` does not take the bare `/files`, a trailing slash must agree, and a regex
 * parameter `/:id(^\d+$)` refuses what it does not match.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("mock rules and faults take the patterns with the intercept routes' meaning", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/files", () => "the service's /files");
  server.interceptHttp("GET", "/users/:id/", () => "the service's slash");
  server.interceptHttp("GET", "/orders/:id", () => "the service's order");
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/files/*", (_body, params) => ({ mocked: params["*"] }));
  await mocks.intercept("GET", "/users/:id", (_body, params) => ({ user: params.id }));
  await mocks.intercept("GET", "/orders/:id(^\\d+$)", (_body, params) => ({ order: params.id }));
  const get = async (path: string) => (await fetch(`${server.getUrl()}${path}`)).json();

  assert.deepEqual(await get("/files/a/b"), { mocked: "a/b" });
  assert.deepEqual(await get("/files/"), { mocked: "" });
  assert.equal(await get("/files"), "the service's /files");
  assert.deepEqual(await get("/users/42"), { user: "42" });
  assert.equal(await get("/users/42/"), "the service's slash");
  assert.deepEqual(await get("/orders/7"), { order: "7" });
  assert.equal(await get("/orders/x7"), "the service's order");

  const fault = server.fault({ path: "/files/*" }, { status: 503 });
  assert.equal((await fetch(`${server.getUrl()}/files/a`)).status, 503);
  assert.equal((await fetch(`${server.getUrl()}/files`)).status, 200);
  fault.remove();
  const numeric = await mocks.fault({ path: "/orders/:id(^\\d+$)" }, { status: 418 });
  assert.equal((await fetch(`${server.getUrl()}/orders/7`)).status, 418);
  assert.equal((await fetch(`${server.getUrl()}/orders/x7`)).status, 200);
  await numeric.remove();
});
