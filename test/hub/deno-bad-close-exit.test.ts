/**
 * A Deno process whose hub got a close frame `Deno.serve` takes as a protocol error (a 1-byte
 * payload) did not exit after `teardown()` resolved: Deno's WebSocket, on a protocol error, leaves
 * its idle-timeout timer running (its close-frame path cancels it), and that timer held the
 * process for half the `idleTimeout` crossipc gives it, `heartbeat` seconds (60 here). The hub's
 * front now answers a bad close frame itself (1002, as Node's and Bun's hubs do), so `Deno.serve`
 * sees a valid one (and the adapter now releases that timer whenever a socket closes without a
 * handshake: deno-vanished-client-exit.test.ts). Run with the least the README grants a server on
 * loopback.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnDeno } from "./_cli.ts";

/** Far below the 60 s the timer held the process, far above a loaded machine's exit. */
const EXIT_WITHIN_MS = 30_000;

test("deno: a hub that got a close frame with a 1-byte payload answers 1002, and its process exits by itself after teardown", async () => {
  const { child, output, exited } = spawnDeno(["run", "--allow-net=127.0.0.1", "test/fixtures/bad-close-hub.ts"]);
  try {
    const deadline = Date.now() + 60_000;
    while (!output.stdout.includes("torn down")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no teardown: ${output.stdout}${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(output.stdout, /^close 1002\n/);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WITHIN_MS, "still running")))]);
    clearTimeout(timer);
    assert.equal(outcome, 0, `exit after teardown: ${output.stdout}${output.stderr}`);
    assert.equal(output.stderr, "");
  } finally {
    child.kill("SIGKILL");
  }
});
