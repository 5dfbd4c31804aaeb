/**
 * `await using mocks = await connectMocks(…)` in vitest's vm pools (vmThreads, vmForks), which
 * the README's "any pool works" covers: on Node 20 the test file and crossipc run in a `vm`
 * context without `Symbol.asyncDispose`, where `Mocks` and `MockScope` were "not disposable".
 * The fixture is test/runners/vm-pools/await-using.test.ts; vitest runs on this test's Node.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function vitest(pool: string, port: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, "run", "--config", "test/runners/vm-pools/vitest.config.ts", "--pool", pool], {
      cwd: ROOT,
      env: { ...process.env, CROSSIPC_HUB_PORT: String(port), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

for (const pool of ["vmThreads", "vmForks"]) {
  test(`await using in vitest's ${pool} pool removes the test's rules and closes its connection`, { timeout: 120_000 }, async (t) => {
    const server = await startServer(t, { dashboard: true });
    const run = await vitest(pool, server.getPort());
    assert.equal(run.code, 0, run.output);
    // The hub reads the closing connection on its own socket: vitest's exit, seen here through
    // the child's pipe, may come first. Ask until it has (5 s at most), then check.
    const stateNow = async () => (await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json()) as { mocks: unknown[]; clients: unknown[] };
    let state = await stateNow();
    for (const deadline = Date.now() + 5000; (state.mocks.length || state.clients.length) && Date.now() < deadline; state = await stateNow()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(state.mocks, []);
    assert.deepEqual(state.clients, []);
  });
}
