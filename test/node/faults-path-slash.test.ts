/**
 * A fault's `path` is an intercept-route pattern (SPEC §12): `interceptHttp` and the mocks take
 * `users/:id` as `/users/:id`, and a fault refused it ("must start with /") — the same pattern
 * worked in one place and not the other.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../src/index.ts";
import { startServer } from "./_helpers.ts";

test("a fault path without its leading / is the same pattern as with it, wherever the fault comes from", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "c/:id", () => ({ ok: true }));
  assert.equal((await fetch(`${server.getUrl()}/c/1`)).status, 200, "interceptHttp takes the pattern");

  const local = server.fault({ path: "c/*" }, { status: 503 });
  assert.equal((await fetch(`${server.getUrl()}/c/1`)).status, 503);
  local.remove();

  const posted = await fetch(`${server.getUrl()}/__crossipc/api/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match: { path: "c/:id" }, fault: { status: 502 } }),
  });
  assert.equal(posted.status, 201, await posted.clone().text());
  assert.equal((await fetch(`${server.getUrl()}/c/2`)).status, 502);
  const list = (await (await fetch(`${server.getUrl()}/__crossipc/api/faults`)).json()) as { faults: Array<{ match: { path: string } }> };
  assert.deepEqual(list.faults.map((f) => f.match.path), ["/c/:id"], "listed as the pattern it is");
  await fetch(`${server.getUrl()}/__crossipc/api/faults`, { method: "DELETE" });

  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await scope.fault({ path: "c/:id" }, { status: 504 });
  assert.equal((await fetch(`${server.getUrl()}/c/3`, { headers: scope.headers })).status, 504);
  assert.equal((await fetch(`${server.getUrl()}/c/3`)).status, 200, "scoped to its test");
});
