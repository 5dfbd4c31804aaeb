/**
 * A Deno process whose hub got a close frame `Deno.serve` takes as a protocol error (a 1-byte
 * payload) did not exit after `teardown()` resolved: Deno's WebSocket, on a protocol error, leaves
 * its idle-timeout timer running (its close-frame path cancels it), and that timer held the
 * process for half the `idleTimeout` crossipc gives it, `heartbeat` seconds (60 here). The hub's
 * front now answers a bad close frame itself (1002, as Node's and Bun's hubs do), so `Deno.serve`
 * sees a valid one. Run with the least the README grants a server on loopback.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { ROOT } from "../matrix/_spawn.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
/** Far below the 60 s the timer held the process, far above a loaded machine's exit. */
const EXIT_WITHIN_MS = 30_000;

test("deno: a hub that got a close frame with a 1-byte payload answers 1002, and its process exits by itself after teardown", async () => {
  const child = spawn(DENO, ["run", "--allow-net=127.0.0.1", "test/fixtures/bad-close-hub.ts"], {
    cwd: ROOT,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  try {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("torn down")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no teardown: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(stdout, /^close 1002\n/);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WITHIN_MS, "still running")))]);
    clearTimeout(timer);
    assert.equal(outcome, 0, `exit after teardown: ${stdout}${stderr}`);
    assert.equal(stderr, "");
  } finally {
    child.kill("SIGKILL");
  }
});
