/** `crossipc journal --scope`: a test's own requests, with the rule that took each (SPEC §10). */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

test("crossipc journal --scope prints only that scope's requests, naming the mock that took each", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope("spec-3");
  const rule = await scope.intercept("GET", "/users/:id", () => ({ mocked: true }));
  await (await fetch(`${server.getUrl()}/users/1`, { headers: scope.headers })).text();
  await (await fetch(`${server.getUrl()}/users/2`)).text();
  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "journal", "--port", String(server.getPort()), "--scope", "spec-3"], {
    cwd: ROOT,
    env: { ...process.env, CROSSIPC_ACCESS_TOKEN: "" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const [code] = await once(child, "close");
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1, stdout);
  assert.match(lines[0]!, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} http GET /users/1 → mock ${rule.id} GET /users/:id 200 scope spec-3 [\\d.]+ms`));
});

test("crossipc status lists the mocks by scope with their owner and calls", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort(), { runtimeId: "checkout-tests" });
  t.after(() => mocks.close());
  const scope = mocks.scope("spec-9");
  await scope.intercept("GET", "/a", () => 1);
  await mocks.interceptRequest("POST", "/b", () => new Response("b"));
  await (await fetch(`${server.getUrl()}/a`, { headers: scope.headers })).text();
  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "status", "--port", String(server.getPort())], { cwd: ROOT, env: { ...process.env, CROSSIPC_ACCESS_TOKEN: "" } });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const [code] = await once(child, "close");
  assert.equal(code, 0);
  assert.match(stdout, /\nmocks \(2 in 2 scopes\)\n  unscoped\n    m\d+ request POST \/b  \(checkout-tests client-\d+\)  0 calls\n  scope spec-9\n    m\d+ intercept GET \/a  \(checkout-tests client-\d+\)  1 call\n/);
});
