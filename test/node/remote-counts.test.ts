/**
 * A remote fault's `hits` and a remote replay's `matched`/`missed` are current once the answer's
 * body is read (SPEC §10/§12): a test in another process writes `expect(fault.hits).toBe(1)` right
 * after `await (await fetch(…)).text()`. The hub tells the owner the count as a request and answers
 * the counted request only once the owner answered it. Hubs under Node, Bun and Deno
 * (`mocks-hub.ts`); test processes under Node, Bun and Deno (Deno with only
 * `--allow-net=127.0.0.1`, as the README says), each reading the count after every one of
 * `COUNTS_REQUESTS` (default 50) answers, for each kind. When the hub sent the count as a message
 * flushed before the answer, a Bun test process read it behind in some answers of every kind (Bun
 * delivers a WebSocket message after a `fetch` whose bytes came with it), a Node process now and
 * then within its first requests. `COUNTS_CLIENTS=bun` runs one test process's runtime only.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { RUNTIMES, start, stopHub, type Runtime } from "../matrix/_spawn.ts";

const REQUESTS = Number(process.env.COUNTS_REQUESTS ?? 50);
const CLIENTS = (process.env.COUNTS_CLIENTS ?? "node,bun,deno").split(",") as Runtime[];

type Counts = Record<string, { requests: number; behind: number; firstBehind: number | null }>;

for (const server of RUNTIMES) {
  test(`${server} hub: counts read right after each answer are current in a ${CLIENTS.join("/")} test process`, async (t) => {
    const hub = start(server, "test/fixtures/mocks-hub.ts", ["--backend", "http://127.0.0.1:9"]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const behind: string[] = [];
    // One test process at a time: each reads its counts against a hub no other process loads.
    for (const client of CLIENTS) {
      const child = start(client, "test/fixtures/counts-client.ts", ["--port", String(port), "--requests", String(REQUESTS)], {
        denoPermissions: ["--allow-net=127.0.0.1"],
        unsetEnv: ["NO_COLOR"],
      });
      let counts: Counts;
      try {
        ({ counts } = await child.nextJson<{ counts: Counts }>(120_000, "the counts"));
      } catch (error) {
        throw new Error(`${client} test process: ${(error as Error).message}\n${child.stderr()}`);
      } finally {
        child.proc.kill("SIGKILL");
      }
      for (const [kind, { requests, behind: n, firstBehind }] of Object.entries(counts)) {
        t.diagnostic(`${server} hub × ${client} test process, ${kind}: behind ${n}/${requests}`);
        if (n > 0) behind.push(`${client} test process, ${kind}: behind after ${n} of ${requests} answers (first after answer ${firstBehind})`);
      }
    }
    assert.deepEqual(await stopHub(hub), []);
    assert.deepEqual(behind, [], `counts read right after the answer were behind:\n${behind.join("\n")}`);
  });
}
