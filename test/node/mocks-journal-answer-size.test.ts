/**
 * `mocks.entries()` and `waitFor()` come back as one framework message, bodies included. Under
 * `journal.bodies` the entries a filter matches could take more than a client reads in one: from
 * the packed tarball, `mocks.entries()` on a hub holding 120 MiB of bodies closed the test's
 * connection (1006), and every rule it held went with it (its mocked route answered 404). Past
 * the hub's `maxMessageSize` (what hello tells the client may come back) the call is refused
 * with a message naming the limit and the way round, and the connection and its rules stay.
 * Entries that fit go out as the text measured, not serialised a second time to be sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("journal entries larger than one framework message are refused naming maxMessageSize; the connection and its rules stay", async (t) => {
  const server = await startServer(t, { maxMessageSize: 1024 * 1024, journal: { bodies: true, maxBodySize: 512 * 1024 } });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await scope.intercept("GET", "/kept", () => ({ kept: true }));
  await mocks.intercept("POST", "/upload", () => ({ ok: true }));
  const body = "x".repeat(300 * 1024);
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${server.getUrl()}/upload`, { method: "POST", body })).status, 200);

  await assert.rejects(mocks.entries({ path: "/upload" }), (error: Error) => {
    assert.match(error.message, /^The 5 journal entries that match take \d+ bytes as JSON, over the hub's maxMessageSize \(1048576\)/);
    assert.match(error.message, /GET \/__crossipc\/api\/journal/);
    return true;
  });
  // The connection and its rules are still there; a narrower read fits.
  const kept = await fetch(`${server.getUrl()}/kept`, { headers: scope.headers });
  assert.deepEqual([kept.status, await kept.json()], [200, { kept: true }]);
  const ids = server.journal.entries({ path: "/upload" }).map((entry) => entry.id);
  const last = await mocks.entries({ path: "/upload", after: ids[3]! });
  assert.deepEqual(last.map((entry) => [entry.id, entry.requestBody === body]), [[ids[4], true]]);
  const waited = await mocks.waitFor({ path: "/upload" }, 1000);
  assert.equal(waited.requestBody, body);
});

/** Runs `read` counting the texts `JSON.stringify` makes of at least `length` characters. */
async function largeTextsDuring<T>(length: number, read: () => Promise<T>): Promise<[T, number]> {
  const stringify = JSON.stringify;
  let large = 0;
  JSON.stringify = function (this: unknown, ...args: Parameters<typeof JSON.stringify>) {
    const text = stringify.apply(this, args);
    if (typeof text === "string" && text.length >= length) large++;
    return text;
  } as typeof JSON.stringify;
  try {
    return [await read(), large];
  } finally {
    JSON.stringify = stringify;
  }
}

test("entries that fit are serialised once on the hub: the text measured against maxMessageSize is the text sent", async (t) => {
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 512 * 1024 } });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("POST", "/upload", () => ({ ok: true }));
  const body = "y".repeat(300 * 1024);
  assert.equal((await fetch(`${server.getUrl()}/upload`, { method: "POST", body })).status, 200);
  const [entries, listed] = await largeTextsDuring(body.length, () => mocks.entries({ path: "/upload" }));
  assert.deepEqual(entries.map((entry) => entry.requestBody === body), [true]);
  assert.equal(listed, 1, `mocks.entries(): ${listed} texts of the 300 KiB entry made on the way (measured, then serialised again to be sent)`);
  const [waited, awaited] = await largeTextsDuring(body.length, () => mocks.waitFor({ path: "/upload" }, 1000));
  assert.equal(waited.requestBody, body);
  assert.equal(awaited, 1, `mocks.waitFor(): ${awaited} texts of the 300 KiB entry made on the way`);
});
