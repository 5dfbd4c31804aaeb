/**
 * How the Bun front groups the parts of one read into writes to `Bun.serve`
 * (adapters/_write-runs.ts): a head, the front's stamp and the head's last CRLF go in one write
 * even before a large body (they went as three), the bytes and their order unchanged. The whole
 * path is tested byte for byte in test/bun/front-http.test.ts.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { writeInRuns } from "../../adapters/_write-runs.ts";

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) % 251);

/** The writes `writeInRuns` makes, copied as they come (the scratch is reused). */
function writes(parts: Uint8Array[], scratchBytes = 16): Uint8Array[] {
  const made: Uint8Array[] = [];
  const scratch = new Uint8Array(scratchBytes);
  writeInRuns(parts, scratch, made, (to, written) => to.push(written.slice()));
  return made;
}

const joined = (parts: Uint8Array[]) => Buffer.concat(parts);

test("a head, its stamp and its CRLF go in one write before a large body, which goes on its own", () => {
  const parts = [bytes(6, 1), bytes(4, 2), bytes(2, 3), bytes(40, 4)];
  const made = writes(parts);
  assert.deepEqual(made.map((w) => w.length), [12, 40]);
  assert.deepEqual(joined(made), joined(parts));
});

test("a small request goes in one write; a lone part goes as it is", () => {
  const parts = [bytes(6, 1), bytes(4, 2), bytes(2, 3), bytes(4, 4)];
  assert.deepEqual(writes(parts).map((w) => w.length), [16]);
  const lone = bytes(10, 5);
  let seen: Uint8Array | undefined;
  writeInRuns([lone], new Uint8Array(16), undefined, (_to, written) => (seen = written));
  assert.equal(seen, lone);
});

test("runs that do not fit together split where the next part would pass the scratch", () => {
  const parts = [bytes(10, 1), bytes(10, 2), bytes(3, 3), bytes(17, 4), bytes(1, 5), bytes(16, 6), bytes(0, 7)];
  const made = writes(parts);
  assert.deepEqual(made.map((w) => w.length), [10, 13, 17, 1, 16]);
  assert.deepEqual(joined(made), joined(parts));
});

test("nothing to write, nothing written", () => {
  assert.deepEqual(writes([]), []);
});
