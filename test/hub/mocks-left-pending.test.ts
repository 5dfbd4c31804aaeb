/**
 * A client that leaves while a mock's process holds its request, behind hubs in node, bun and
 * deno: the hub journals 499 and forgets its own request to that process at once (the dashboard's
 * `pending` for it is 0), where it held it until the process answered or `proxyTimeout` (here
 * 120 s) passed. The process's late answer is ignored: the hub prints nothing and serves on.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a relayed mock request whose client left is no longer pending at the hub`, { timeout: 60_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/holding-mocks-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the port");
    const base = `http://127.0.0.1:${port}`;
    const mocks = await connectMocks(port, { runtimeId: "holder" });
    t.after(() => mocks.close());
    const held: Array<() => void> = [];
    // Answers only when released, whether or not its client is still there (its signal is not read).
    await mocks.interceptRequest("GET", "/held/:n", (_request, params) => new Promise((resolve) => held.push(() => resolve(Response.json({ n: params.n })))));

    const leaving = http.get({ host: "127.0.0.1", port, path: "/held/1", agent: false });
    leaving.on("error", () => {});
    await until(() => held.length === 1);
    leaving.destroy();
    await until(async () => (await journal(base)).some((entry) => entry.path === "/held/1" && entry.status === 499));
    assert.equal(await pendingOf(base, "holder"), 0, "the hub still waits for the answer to a request whose client left");

    // The process answers late: ignored. The hub answers the next request as before.
    for (const release of held.splice(0)) release();
    const next = fetch(`${base}/held/2`).then(async (response) => ({ status: response.status, body: await response.json() }));
    await until(() => held.length === 1);
    held[0]!();
    assert.deepEqual(await next, { status: 200, body: { n: "2" } });
    assert.equal(await pendingOf(base, "holder"), 0);

    await mocks.close();
    hub.proc.stdin.end();
    await hub.nextJson(20_000, "teardown confirmation");
    await waitExit(hub, 20_000, "exit after teardown");
    assert.equal(hub.stderr().trim(), "", "the hub printed nothing");
  });
}

async function journal(base: string): Promise<Array<{ path: string; status: number }>> {
  return ((await (await fetch(`${base}/__crossipc/api/journal?kind=http`)).json()) as { entries: Array<{ path: string; status: number }> }).entries;
}

async function pendingOf(base: string, runtimeId: string): Promise<number | undefined> {
  const state = (await (await fetch(`${base}/__crossipc/api/state`)).json()) as { clients: Array<{ runtimeId?: string; pending: number }> };
  return state.clients.find((client) => client.runtimeId === runtimeId)?.pending;
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}
