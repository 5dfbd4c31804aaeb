/**
 * A Deno process whose server had a WebSocket end without a close handshake (its client crashed
 * or was killed) did not exit after `teardown()` resolved, but up to `heartbeat` seconds later:
 * Deno's idle timer for that socket (armed by `Deno.upgradeWebSocket`'s `idleTimeout`, twice the
 * heartbeat) was left running, since Deno's own `close` listener no longer clears it
 * (adapters/_deno-idle-timer.ts says why). The adapter now releases it once the socket closes.
 * Each case runs with `heartbeat: 30`, so a process held by that timer lives 30 s after the
 * teardown; the bound below is a hang check, not a speed one. Run with the least the README
 * grants a server on loopback.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnDeno } from "./_cli.ts";

/** Far below the 30 s the timer held the process, far above a loaded machine's exit. */
const EXIT_WITHIN_MS = 10_000;

/** Runs test/fixtures/vanished-client-hub.ts with `args`: its output up to the teardown; fails unless the process then exits 0 by itself. */
async function exitsAfterTeardown(args: string[]): Promise<string> {
  const { child, output, exited } = spawnDeno(["run", "--allow-net=127.0.0.1", "test/fixtures/vanished-client-hub.ts", ...args]);
  try {
    const deadline = Date.now() + 60_000;
    while (!output.stdout.includes("torn down")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no teardown: ${output.stdout}${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WITHIN_MS, "still running")))]);
    clearTimeout(timer);
    assert.equal(outcome, 0, `exit after teardown (${args.join(" ")}): ${output.stdout}${output.stderr}`);
    assert.equal(output.stderr, "");
    return output.stdout;
  } finally {
    child.kill("SIGKILL");
  }
}

test("deno: an IPCServer whose framework client vanished exits by itself after teardown, behind the front", async () => {
  await exitsAfterTeardown(["vanish", "front", "server"]);
});

test("deno: an IPCServer whose framework client vanished exits by itself after teardown, without the front", async () => {
  await exitsAfterTeardown(["vanish", "nofront", "server"]);
});

test("deno: a ServiceHub whose framework client vanished exits by itself after teardown", async () => {
  await exitsAfterTeardown(["vanish", "front", "hub"]);
});

test("deno: a server whose WebSocket mock's client vanished exits by itself after teardown, and the mock's onClose code is unchanged", async () => {
  const stdout = await exitsAfterTeardown(["mock", "front", "server"]);
  // What Deno reports for a connection that ended with no close frame (an `error` event before
  // `close`, which the hub passes on as 1011); Node and Bun report 1006. Releasing the timer runs
  // after the `close` event and changes neither.
  assert.match(stdout, /^mock close 1011$/m);
});
