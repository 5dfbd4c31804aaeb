/**
 * A client that leaves while a test's handler works on its request (its body read and relayed):
 * its bytes stayed in `maxMockBodyBytes` until the handler answered or `proxyTimeout` ended (30 s
 * by default), and the handler was never told. Now they are given back when the client goes, the
 * hub stops waiting (journaled 499), and the handler's process hears it: an `interceptRequest`
 * handler's `request.signal` aborts. On Node, Bun and Deno hubs (test/fixtures/budget-hub.ts: 2 MiB
 * budget, here with a proxyTimeout of 60 s, far past what the test waits).
 *
 * The handler keeps its `request.signal`'s listener, not the request: Node's Request follows the
 * relay's signal only weakly, and once a collection took the request the handler was never told
 * (2 runs in 9 under load, on whichever hub). A collection now runs while the handler waits.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const MiB = 1024 * 1024;
const HELD = "h".repeat(MiB);
/** Fits in the 2 MiB budget alone, not beside HELD. */
const SECOND = "s".repeat(1.2 * MiB);
/** `gc()` without starting Node with --expose-gc. */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a relay whose client left gives its body back at once, and its handler is told`, { timeout: 90_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/budget-hub.ts", ["--proxy-timeout", "60000"]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());

    let called = 0;
    let told = 0;
    await mocks.interceptRequest("POST", "/wait", (request) => {
      called++;
      return new Promise<Response>((resolve) =>
        request.signal.addEventListener("abort", () => {
          told++;
          resolve(new Response("nobody reads this"));
        }),
      );
    });
    await mocks.intercept("POST", "/echo", (body: string) => ({ length: body.length }));
    const post = async (body: string) => (await fetch(`${url}/echo`, { method: "POST", headers: { "content-type": "text/plain" }, body })).status;

    for (let round = 1; round <= 2; round++) {
      // A relay holds HELD while its handler waits: the second body does not fit beside it.
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.write(`POST /wait HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: ${HELD.length}\r\n\r\n`);
      socket.write(HELD);
      await until(() => called === round, "the relay to reach its handler");
      assert.equal(await post(SECOND), 503, "the held body counts");
      // What the handler no longer holds goes, as it may at any time while a handler waits.
      collectGarbage();

      // The client leaves: the handler hears it, and the bytes come back long before proxyTimeout.
      socket.destroy();
      await closed;
      await until(() => told === round, "the handler's request.signal to abort");
      await untilAsync(async () => (await post(SECOND)) === 200, "the left client's bytes to come back");
    }
    const entries = await mocks.entries({ path: "/wait" });
    assert.deepEqual(entries.map((entry) => entry.status), [499, 499]);
    assert.match(entries[0]!.error!, /the client went away before/);

    await mocks.close();
    assert.deepEqual(await stopHub(hub), []);
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
