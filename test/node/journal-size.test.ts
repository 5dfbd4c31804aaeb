import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { crossipc } from "./_cli.ts";

test("a journal size with zeroes too many is refused by name (the ring is allocated whole: it ran out of memory or said 'Invalid array length')", async () => {
  assert.throws(() => new IPCServer(0, { journal: { size: 1_000_001 } }), /^RangeError: journal\.size must be at most 1000000, got 1000001$/);
  assert.equal(new IPCServer(0, { journal: { size: 1_000_000 } }).journal.size, 1_000_000);
  const run = await crossipc(["hub", "--port", "0", "--record", "x.har", "--journal-size", "99999999999999"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^crossipc hub: --journal-size must be at most 1000000, got '99999999999999'\n/);
});
