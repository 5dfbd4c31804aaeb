/**
 * The Deno test runner, with the README's permissions (`--allow-net=127.0.0.1`, not -A), as the
 * test process of a hub that is SIGKILLed mid-test (test/fixtures/hub-gone.deno-test.ts): the
 * test's next mocks call rejects saying its mocks are gone, the test ends, the sanitizers find
 * nothing left open, nothing is printed on stderr, and `deno test` exits 0.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { spawn } from "node:child_process";
import { ROOT } from "../matrix/_spawn.ts";
import { mocksHubProcess, waitFor } from "./_helpers.ts";

test("deno test (--allow-net=127.0.0.1): the hub SIGKILLed mid-test; the next call says the mocks are gone and the runner exits 0", { timeout: 120_000 }, async (t) => {
  const hub = await mocksHubProcess(t);
  const runner = spawn(`${ROOT}node_modules/.bin/deno`, ["test", "--allow-net=127.0.0.1", "--no-check", "test/fixtures/hub-gone.deno-test.ts", "--", String(hub.port)], {
    cwd: ROOT,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  const exited = new Promise<number | null>((resolve) => runner.on("exit", resolve));
  t.after(() => runner.kill("SIGKILL"));
  let out = "";
  let err = "";
  runner.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  runner.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  await waitFor(() => out.includes("READY"), "the Deno test to add its rule", 60_000);
  process.kill(hub.pid, "SIGKILL");
  // No bound of its own: the file's timeout (120 s) fails it if the runner never exits.
  const code = await exited;
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  assert.equal(code, 0, `${plain}\n${err}`);
  const result = JSON.parse(/RESULT (.*)/.exec(plain)![1]!) as { code: string; message: string };
  assert.equal(result.code, "ERR_IPC_NOT_CONNECTED");
  assert.match(result.message, /every mock, fault and replay added on it went with it .*connectMocks again/);
  assert.match(plain, /ok \| 1 passed \| 0 failed/);
  assert.equal(err, "");
});
