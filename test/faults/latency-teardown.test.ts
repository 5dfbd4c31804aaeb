/**
 * A `latency` fault's wait was a bare timer: a hub torn down with a request in a day-long latency
 * (the most `latency` takes) kept its process alive for that day, on Node, Bun and Deno alike.
 * The wait ends at teardown; the hub process exits as it does with nothing in flight.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`a hub under ${runtime} torn down with a request in a day-long latency exits, and the request ends`, async () => {
    const hub = start(runtime, "test/fixtures/faults-hub.ts");
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const base = `http://127.0.0.1:${port}`;
    const added = await fetch(`${base}/__crossipc/api/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { path: "/echo/:id" }, fault: { latency: 86_400_000 } }),
    });
    assert.equal(added.status, 201, await added.text());
    const waiting = fetch(`${base}/echo/1`).then(
      (response) => `answered ${response.status}`,
      () => "failed",
    );
    // In the fault's wait once the fault counts it.
    await until(async () => ((await (await fetch(`${base}/__crossipc/api/faults`)).json()) as { faults: Array<{ hits: number }> }).faults[0]?.hits === 1);
    assert.deepEqual(await stopHub(hub), []);
    assert.match(await waiting, /^(answered 503|failed)$/);
  });
}

async function until(predicate: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("the request never reached the fault");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
