/** `crossipc hub --record FILE` whose FILE cannot be written, as a person mistypes it. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { spawnCrossipc } from "./_cli.ts";

test("--record into a folder that does not exist, or onto a folder, exits 2 before binding (the session was recorded for nothing, the error came on Ctrl-C)", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-record-target-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "folder.har"));
  for (const [file, reason] of [
    [path.join(dir, "missing", "session.har"), /ENOENT/],
    [path.join(dir, "folder.har"), /it is a directory/],
  ] as Array<[string, RegExp]>) {
    const { child, out, err } = spawnCrossipc(["hub", "--port", "0", "--record", file]);
    // A hub that started anyway is stopped, so the test ends either way.
    child.stdout.once("data", () => child.kill("SIGINT"));
    const [code] = await once(child, "exit");
    assert.equal(out(), "", "nothing was bound");
    assert.equal(code, 2, err());
    assert.equal(err().split("\n").filter(Boolean).length, 1, err());
    assert.match(err(), new RegExp(`^crossipc hub: --record ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: cannot write it: `));
    assert.match(err(), reason);
  }
  assert.deepEqual(readdirSync(dir), ["folder.har"], "no partial file is left behind");
});
