/** `crossipc --version` prints the package's version, as a person checking what they installed expects. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { crossipc, ROOT } from "./_cli.ts";

test("crossipc --version prints the package's version and exits 0", async () => {
  const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { version: string };
  const run = await crossipc(["--version"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), version);
});
