/**
 * A HAR saved with a UTF-8 byte order mark (Fiddler writes one; so do editors on Windows) is a
 * HAR like any other: `server.replay`, `mocks.replay` and `crossipc hub --replay` read it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { spawnCrossipc } from "./_cli.ts";
import { har, harEntry } from "./_harEntry.ts";
import { startServer, waitFor } from "./_helpers.ts";

const BOM = "\uFEFF";
const TEXT = BOM + JSON.stringify(har(harEntry("GET", "/users/1", 200, '{"name":"A"}')));

test("server.replay and mocks.replay read a HAR text that starts with a byte order mark", async (t) => {
  const server = await startServer(t);
  server.replay(TEXT);
  assert.equal(await (await fetch(`${server.getUrl()}/users/1`)).text(), '{"name":"A"}');

  const other = await startServer(t);
  const mocks = await connectMocks(other.getPort());
  t.after(() => mocks.close());
  await mocks.replay(TEXT);
  assert.equal(await (await fetch(`${other.getUrl()}/users/1`)).text(), '{"name":"A"}');
});

test("crossipc hub --replay reads a file saved with a byte order mark", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-bom-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "fiddler.har");
  writeFileSync(file, TEXT);
  const run = spawnCrossipc(["hub", "--port", "0", "--json", "--replay", file]);
  t.after(() => run.child.kill("SIGKILL"));
  await waitFor(() => run.out().includes('"event":"replaying"') || run.child.exitCode !== null, "the hub to start");
  assert.equal(run.child.exitCode, null, run.err());
  const port = Number(/"event":"started".*?"port":(\d+)/.exec(run.out())![1]);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/users/1`)).text(), '{"name":"A"}');
});
