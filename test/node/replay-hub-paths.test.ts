/**
 * A replay answers the recording's requests, not the hub's own: with `onMiss: "404"` (which
 * answers every request the recording lacks) the dashboard, its JSON API (`crossipc status`,
 * `crossipc journal`, `crossipc fault`) and the framework path still reach the hub.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { crossipc, spawnCrossipc } from "./_cli.ts";
import { har, harEntry } from "./_harEntry.ts";
import { startServer, waitFor } from "./_helpers.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const RECORDING = har(harEntry("GET", "/users/1", 200, '{"name":"A"}'));

test("server.replay with onMiss 404 leaves the dashboard and its API to the hub", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.replay(RECORDING, { onMiss: "404" });
  const base = server.getUrl();
  assert.equal((await fetch(`${base}/__crossipc/api/state`)).status, 200);
  const har12 = await fetch(`${base}/__crossipc/api/journal.har`);
  assert.equal(har12.status, 200);
  assert.equal(((await har12.json()) as { log: { version: string } }).log.version, "1.2");
  assert.equal((await fetch(`${base}/__crossipc/api/faults`)).status, 200);
  assert.equal((await fetch(`${base}/users/1`)).status, 200);
  assert.equal((await fetch(`${base}/users/2`)).status, 404, "the rest: the replay's 404");

  // A scope's replay too (a rule of a mocks connection).
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await scope.replay(RECORDING, { onMiss: "404" });
  assert.equal((await fetch(`${base}/__crossipc/api/state`, { headers: scope.headers })).status, 200);
  // The framework path over plain HTTP is the hub's answer (426), not the replay's 404.
  assert.notEqual((await fetch(`${base}${INTERNAL_SOCKET_PATH}`, { headers: scope.headers })).status, 404);
});

test("crossipc status and crossipc journal --har reach a hub started with --replay FILE --on-miss 404", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-replay-hub-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "one.har");
  writeFileSync(file, JSON.stringify(RECORDING));
  const run = spawnCrossipc(["hub", "--port", "0", "--json", "--replay", file, "--on-miss", "404"]);
  t.after(() => run.child.kill("SIGKILL"));
  await waitFor(() => run.out().includes('"event":"replaying"') || run.child.exitCode !== null, "the hub to start");
  const port = /"event":"started".*?"port":(\d+)/.exec(run.out())![1]!;
  const status = await crossipc(["status", "--port", port]);
  assert.equal(status.code, 0, status.stderr);
  const journal = await crossipc(["journal", "--port", port, "--har"]);
  assert.equal(journal.code, 0, journal.stderr);
  assert.equal(JSON.parse(journal.stdout).log.version, "1.2");
});
