/**
 * 2,000 clients at once, each with a request a test's mock holds until all have arrived, on hubs
 * in Node, Bun and Deno (real processes; Deno with the README's `--allow-net=127.0.0.1`). The
 * Bun hub's front dials `Bun.serve`'s Unix socket once per client as each arrives, and that
 * socket's listen backlog is 512: a Unix connect past a full backlog is refused at once, and the
 * front closed those clients with no answer (of 1,500 at once, ~990 got a closed connection).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";
import { waitFor } from "./_helpers.ts";

const CLIENTS = 2000;

for (const runtime of RUNTIMES) {
  test(`${runtime}: ${CLIENTS} clients at once each reach the mock and are answered`, async (t) => {
    const hub = start(runtime, "test/fixtures/mocks-hub.ts", ["--backend", "http://127.0.0.1:9"], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the hub's port");
    const mocks = await connectMocks(port);
    let arrived = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await mocks.intercept("GET", "/held/:n", async (_body, params) => {
      arrived++;
      await released;
      return { n: Number(params.n) };
    });

    let failed = 0;
    const answers = Array.from({ length: CLIENTS }, (_, n) =>
      fetch(`http://127.0.0.1:${port}/held/${n}`).then(
        async (response) => ({ status: response.status, body: await response.json() }),
        (error: Error & { cause?: { code?: string } }) => {
          failed++;
          return { status: 0, body: error.cause?.code ?? error.message };
        },
      ),
    );
    // Every request is either with the mock or already failed: nothing is left in between.
    await waitFor(() => arrived + failed === CLIENTS, `${CLIENTS} requests to reach the mock or fail`, 60_000);
    release();
    const settled = await Promise.all(answers);
    assert.equal(failed, 0, `${failed} of ${CLIENTS} clients got no answer, e.g. ${JSON.stringify(settled.find((a) => a.status === 0))}`);
    assert.deepEqual(
      settled.filter((answer, n) => answer.status !== 200 || answer.body.n !== n),
      [],
    );
    await mocks.close();
    hub.proc.stdin.end();
    assert.equal(await waitExit(hub, 20_000, "the hub to stop"), 0);
    assert.equal(hub.stderr(), "", `${runtime} printed on stderr`);
  });
}
