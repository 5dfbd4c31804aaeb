/**
 * A test process whose mock holds 10 000 requests (its connection's `maxRequestsInFlight`, the
 * default) behind a hub: the next request's client gets a 503 that names the limit, not "went away
 * before answering" (a 502 that had the living process taken for gone), and every held request is
 * answered once released.
 *
 * A Node hub only: the message is made in src/mocks (no runtime code), and 10 001 HTTP clients at
 * once do not reach a Bun or Deno hub under this machine's 20 000 open files: their fronts hold two
 * descriptors per client and cap connections below that (`linksWithin`), closing the rest.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { start, waitExit } from "../matrix/_spawn.ts";

const LIMIT = 10_000;

for (const runtime of ["node"] as const) {
  test(`${runtime} hub: a mock's process past ${LIMIT} requests in flight refuses the next with a 503 naming maxRequestsInFlight`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/many-clients-mocks-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the port");
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    const held: Array<() => void> = [];
    await mocks.interceptRequest("GET", "/held/:n", (_request, params) => new Promise((resolve) => held.push(() => resolve(Response.json({ n: params.n })))));

    // One connection per request (no keep-alive): each waits for its answer on its own.
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    t.after(() => agent.destroy());
    const answers: Array<Promise<{ status: number; body: string }>> = [];
    for (let n = 0; n < LIMIT; n++) {
      answers.push(get(port, `/held/${n}`, agent));
      // In steps, so that the hub's listen backlog never overflows.
      if (n % 200 === 199) await until(() => held.length > n);
    }
    await until(() => held.length === LIMIT);

    const refused = await get(port, `/held/${LIMIT}`, agent);
    assert.equal(refused.status, 503, refused.body);
    assert.match(
      JSON.parse(refused.body).error,
      /^Mock m1 \(GET \/held\/:n\) of client-\d+ refused the request: Too many requests in flight: this connection already has 10000 being handled \(the maxRequestsInFlight option\)/,
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
