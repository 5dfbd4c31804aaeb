/**
 * Loading a large recording holds the hub's event loop for as long as it takes (a `mocks.replay`
 * of 20,000 entries held it seconds: a Deno service missed its heartbeat and lost its routes).
 * Most of it was garbage collection of what each entry allocated at load: its response body
 * encoded to bytes, a URLSearchParams for its query, trie nodes. Bodies are now made bytes when
 * they first answer, and only those; these tests pin that down by counting, not by timing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { har, harEntry } from "./_harEntry.ts";
import { startServer } from "./_helpers.ts";
import { checkHar } from "../../src/replay/Replay.ts";

/** Counts the strings TextEncoder encodes and the base64 texts atob decodes while `run` runs. */
function countDecodes<T>(run: () => T): { result: T; encoded: number; decoded: number } {
  const encode = TextEncoder.prototype.encode;
  const atob = globalThis.atob;
  let encoded = 0;
  let decoded = 0;
  TextEncoder.prototype.encode = function (this: TextEncoder, input?: string) {
    encoded++;
    return encode.call(this, input);
  };
  globalThis.atob = (data: string) => {
    decoded++;
    return atob(data);
  };
  try {
    return { result: run(), encoded, decoded };
  } finally {
    TextEncoder.prototype.encode = encode;
    globalThis.atob = atob;
  }
}

function recording(count: number) {
  const entries = Array.from({ length: count }, (_, i) => {
    const entry = harEntry("GET", `/items/${i}?page=${i % 3}&tag=a=b`, 200, `item ${i}`);
    if (i % 2 === 1) entry.response.content = { size: 6, mimeType: "application/octet-stream", text: Buffer.from(`bin ${i}`).toString("base64"), encoding: "base64" };
    return entry;
  });
  return har(...entries);
}

test("a recording loads without making any response body bytes; a bad base64 body is still refused at load", () => {
  const { result, encoded, decoded } = countDecodes(() => checkHar(recording(1000)));
  assert.deepEqual(result, { entries: 1000, skipped: 0 });
  assert.deepEqual({ encoded, decoded }, { encoded: 0, decoded: 0 });
  const bad = recording(3);
  bad.log.entries[1]!.response.content.text = "not base64!";
  assert.throws(() => checkHar(bad), /entry 1: response\.content\.text is not valid base64/);
});

test("a replay loads without making body bytes and answers each body as recorded", async (t) => {
  const server = await startServer(t);
  const { result: replay, encoded, decoded } = countDecodes(() => server.replay(recording(1000)));
  assert.deepEqual({ encoded, decoded }, { encoded: 0, decoded: 0 });
  const url = (path: string) => `${server.getUrl()}${path}`;
  // The query split without URLSearchParams keeps its pairs: `tag=a=b` is `tag` → `a=b`, order ignored.
  assert.equal(await (await fetch(url("/items/4?tag=a%3Db&page=1"))).text(), "item 4");
  assert.equal(await (await fetch(url("/items/5?page=2&tag=a=b"))).text(), "bin 5");
  assert.equal(await (await fetch(url("/items/5?page=2&tag=a=b"))).text(), "bin 5");
  assert.equal((await fetch(url("/items/5?page=2&tag=a"))).status, 404);
  assert.equal(replay.matched, 3);
});
