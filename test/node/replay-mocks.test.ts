/** SPEC §11 replays in the order of SPEC §10: the hub's own at step 3, `mocks.replay`/`scope.replay` as rules of a connection or scope. */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, ServiceHub, type HarEntry } from "../../adapters/node.ts";
import { har, harEntry } from "./_harEntry.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

const entry = (method: string, path: string, body: string, status = 200) => harEntry(method, path, status, body);

async function text(url: string, headers?: Record<string, string>): Promise<string> {
  return (await fetch(url, { headers })).text();
}

test("the order: scope replay, unscoped replay, intercept routes, hub replay, services", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("service"));
  const server = await startServer(t, { dashboard: true });
  const hub = new ServiceHub(server);
  hub.addRoute({ api: "svc", baseUrl: backend.url, pathPrefix: "/" });
  const url = (path: string) => `${server.getUrl()}${path}`;
  server.replay(har(entry("GET", "/a", "hub replay"), entry("GET", "/b", "hub replay"), entry("GET", "/c", "hub replay")));
  server.interceptHttp("GET", "/b", () => "intercept");
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  const unscoped = await mocks.replay(har(entry("GET", "/c", "unscoped replay"), entry("GET", "/d", "unscoped replay")));
  const scoped = await scope.replay(JSON.stringify(har(entry("GET", "/d", "scope replay"))));
  assert.deepEqual(
    await Promise.all(["/a", "/b", "/c", "/d", "/e"].map((p) => text(url(p)))),
    ["hub replay", '"intercept"', "unscoped replay", "unscoped replay", "service"],
  );
  assert.equal(await text(url("/d"), scope.headers), "scope replay");
  // Another scope never sees it.
  assert.equal(await text(url("/d"), mocks.scope().headers), "unscoped replay");
  const journal = server.journal.entries({ path: "/d" });
  assert.deepEqual(journal.map((e) => [e.takenBy, e.scope === null ? "none" : "scoped", e.rule === scoped.id || e.rule === unscoped.id]), [
    ["replay", "none", true],
    ["replay", "scoped", true],
    ["replay", "scoped", true],
  ]);
  await waitFor(() => scoped.matched === 1 && unscoped.matched === 3, "the hub's counts");
  // Unscoped requests to /a, /b, /e were asked of the unscoped replay and missed; only /d's scope asked the scoped one.
  assert.equal(scoped.missed, 0);
  await waitFor(() => unscoped.missed === 3, "the unscoped replay's misses");
  // SPEC §10: every rule of mocks and scopes has `calls`; a replay is called for each request that reached it.
  assert.deepEqual([scoped.calls, unscoped.calls], [1, 6]);

  // Every replay is listed with the rules: the hub's own as local and unscoped.
  const state = await (await fetch(url("/__crossipc/api/state"))).json();
  assert.deepEqual(
    state.mocks.map((m: { kind: string; scope: string | null; owner: string; path: string }) => [m.kind, m.scope === null ? null : "scoped", m.owner === "local", m.path]).sort(),
    [["replay", "scoped", false, "/**"], ["replay", null, false, "/**"], ["replay", null, true, "/**"]].sort(),
  );

  await scope.close();
  assert.equal(await text(url("/d"), scope.headers), "unscoped replay", "a closed scope's replay is gone");
  await unscoped.remove();
  assert.equal(await text(url("/d")), "service");
  assert.equal(await text(url("/c")), "hub replay");
});

test("a replay goes with the connection that added it", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  await mocks.replay(har(entry("GET", "/x", "replayed")), { onMiss: "404" });
  assert.equal(await text(`${server.getUrl()}/x`), "replayed");
  assert.match(await text(`${server.getUrl()}/y`), /No recorded answer for GET \/y in replay 'replay-\d+': the closest recorded request is GET \/x \(entry 0\)/);
  mocks.client.disconnect();
  // The hub drops the connection's rules when it notices the close.
  let status = 0;
  for (let i = 0; i < 50 && status !== 404; i++) {
    status = (await fetch(`${server.getUrl()}/x`)).status;
    if (status !== 404) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 404);
});

test("a bad or oversized HAR is refused before it is sent, naming the entry; the connection keeps working", async (t) => {
  const server = await startServer(t, { maxMessageSize: 256 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const broken = har(entry("GET", "/ok", "ok"), entry("GET", "/bad", "x"));
  delete (broken.log.entries[1]!.response as Partial<HarEntry["response"]>).content;
  await assert.rejects(mocks.replay(broken), (error: Error & { code?: string; entry?: number }) => {
    assert.equal(error.code, "ERR_IPC_BAD_HAR");
    assert.equal(error.entry, 1);
    assert.match(error.message, /^entry 1: response\.content is missing/);
    return true;
  });
  const big = har(entry("GET", "/big", "x".repeat(300 * 1024)));
  await assert.rejects(mocks.replay(big), /over what the hub's framework messages carry \(maxMessageSize 262144 bytes\)/);
  await assert.rejects(mocks.scope().replay(har(), { api: "users" }), /api 'users' needs a ServiceHub/);
  // A field HAR 1.2 does not read, nested deeper than JSON.stringify writes: the load takes it, the
  // sending cannot. It threw a bare RangeError ("Maximum call stack size exceeded").
  const deep = har(entry("GET", "/deep", "x"));
  (deep.log.entries[0] as unknown as Record<string, unknown>)["_nested"] = JSON.parse("[".repeat(200_000) + "]".repeat(200_000));
  await assert.rejects(mocks.replay(deep), (error: Error & { code?: string }) => {
    assert.equal(error.code, "ERR_IPC_BAD_HAR");
    assert.match(error.message, /^the HAR cannot be sent to the hub as JSON \(.*\): a value in it nests too deep/);
    return true;
  });
  const ok = await mocks.replay(har(entry("GET", "/ok", "ok")));
  assert.equal(await text(`${server.getUrl()}/ok`), "ok");
  assert.equal(ok.size, 1);
});
