/**
 * A test process whose mock holds as many requests as its connection's `maxRequestsInFlight`
 * behind a hub: the next request's client gets a 503 that names the limit, not "went away before
 * answering" (a 502 that had the living process taken for gone), and every held request is
 * answered once released. The limit is the process's own (`connectMocks(port, {
 * maxRequestsInFlight })`), set low here so that hubs of all three runtimes are held to it with a
 * handful of clients; the default (10 000) is the same code.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { start, waitExit, type Runtime } from "../matrix/_spawn.ts";

const LIMIT = 20;

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  test(`${runtime} hub: a mock's process past its maxRequestsInFlight refuses the next with a 503 naming it`, { timeout: 60_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/holding-mocks-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the port");
    const mocks = await connectMocks(port, { maxRequestsInFlight: LIMIT });
    t.after(() => mocks.close());
    const held: Array<() => void> = [];
    await mocks.interceptRequest("GET", "/held/:n", (_request, params) => new Promise((resolve) => held.push(() => resolve(Response.json({ n: params.n })))));

    // One connection per request (no keep-alive): each waits for its answer on its own.
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    t.after(() => agent.destroy());
    const answers: Array<Promise<{ status: number; body: string }>> = [];
    for (let n = 0; n < LIMIT; n++) answers.push(get(port, `/held/${n}`, agent));
    await until(() => held.length === LIMIT);

    const refused = await get(port, `/held/${LIMIT}`, agent);
    assert.equal(refused.status, 503, refused.body);
    assert.match(
      JSON.parse(refused.body).error,
      new RegExp(`^Mock m1 \\(GET /held/:n\\) of client-\\d+ refused the request: Too many requests in flight: this connection already has ${LIMIT} being handled \\(the maxRequestsInFlight option\\)`),
    );

    for (const release of held) release();
    const all = await Promise.all(answers);
    assert.equal(all.filter((answer) => answer.status === 200).length, LIMIT);
    assert.deepEqual(JSON.parse(all[LIMIT - 1]!.body), { n: String(LIMIT - 1) });

    await mocks.close();
    hub.proc.stdin.end();
    await hub.nextJson(20_000, "teardown confirmation");
    await waitExit(hub, 20_000, "exit after teardown");
  });
}

test("connectMocks refuses a maxRequestsInFlight that is not a positive integer, before it connects", async () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(connectMocks(1, { maxRequestsInFlight: bad }), { name: "RangeError", message: `maxRequestsInFlight must be a positive integer, got ${bad}` });
  }
});

function get(port: number, path: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode!, body }));
      })
      .on("error", reject);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
