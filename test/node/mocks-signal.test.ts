/**
 * `connectMocks({ signal })`: a test that times out never reaches its `await using`, so its
 * rules stayed at the hub until its process ended (its unscoped ones answering every other
 * test meanwhile), and under `node --test` the open connection kept the process alive for good.
 * The runner's signal (vitest's `signal`, node:test's `t.signal`) closes the connection when the
 * test times out. test/runners/timed-out/ checks it under the runners themselves.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

/** Polls an async predicate (every 20 ms, up to 5 s). */
async function waitFor(predicate: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !(await predicate()); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

interface State {
  mocks: Array<{ scope: string | null; path: string }>;
  clients?: unknown[];
}

async function rulesAt(url: string): Promise<State["mocks"]> {
  return ((await (await fetch(`${url}/__crossipc/api/state`)).json()) as State).mocks;
}

async function clientsAt(url: string): Promise<number> {
  return (((await (await fetch(`${url}/__crossipc/api/state`)).json()) as State).clients ?? []).length;
}

test("an abort closes the connection: the hub holds none of its rules, scoped or unscoped, and the routes answer as before", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  const url = server.getUrl();
  server.interceptHttp("GET", "/flags", () => ({ beta: false }));
  const keeper = await connectMocks(server.getPort());
  t.after(() => keeper.close());
  await keeper.intercept("GET", "/kept", () => ({ kept: true }));

  const controller = new AbortController();
  const mocks = await connectMocks(server.getPort(), { signal: controller.signal });
  const scope = mocks.scope();
  await scope.intercept("GET", "/flags", () => ({ beta: true }));
  await mocks.intercept("GET", "/flags", () => ({ beta: "everyone" }));
  assert.deepEqual(await (await fetch(`${url}/flags`)).json(), { beta: "everyone" });
  assert.equal((await rulesAt(url)).length, 3);

  let closed!: () => void;
  const closing = new Promise<void>((resolve) => (closed = resolve));
  mocks.client.onClose(closed);
  controller.abort(new Error("test timed out"));
  await closing;
  assert.equal(mocks.client.isConnected(), false);
  assert.deepEqual((await rulesAt(url)).map((rule) => rule.path), ["/kept"]);
  assert.deepEqual(await (await fetch(`${url}/flags`)).json(), { beta: false });
  assert.deepEqual(await (await fetch(`${url}/flags`, { headers: scope.headers })).json(), { beta: false });
  // `await using` after the abort (a test that resumes) closes again without throwing.
  await scope.close();
  await mocks.close();
});

test("an aborted signal rejects with its reason and opens nothing", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const reason = new Error("already timed out");
  await assert.rejects(connectMocks(server.getPort(), { signal: AbortSignal.abort(reason) }), (error) => error === reason);
  const aborted = await connectMocks(server.getPort(), { signal: AbortSignal.abort() }).then(() => undefined, (error: unknown) => error);
  assert.equal((aborted as DOMException).name, "AbortError");
  assert.equal(await clientsAt(server.getUrl()), 0);
});

test("a signal that aborts while connecting rejects with its reason and leaves no connection", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const controller = new AbortController();
  const connecting = connectMocks(server.getPort(), { signal: controller.signal });
  controller.abort(new Error("gone while connecting"));
  await assert.rejects(connecting, /gone while connecting/);
  // The hub saw the connection open and close: give its close a moment to arrive.
  await waitFor(async () => (await clientsAt(server.getUrl())) === 0, "the aborted connection to close at the hub");
});

test("a signal that aborts after mocks.close() changes nothing", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const controller = new AbortController();
  const mocks = await connectMocks(server.getPort(), { signal: controller.signal });
  await mocks.intercept("GET", "/x", () => 1);
  await mocks.close();
  controller.abort();
  const other = await connectMocks(server.getPort());
  t.after(() => other.close());
  await other.intercept("GET", "/y", () => 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual((await rulesAt(server.getUrl())).map((rule) => rule.path), ["/y"]);
});
