/**
 * `GET /__crossipc/api/journal` is streamed an entry at a time (a `--record` journal of large
 * bodies can be more text than one string holds): what it sends is still one whole JSON answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

test("api/journal streams entries whose bodies pass the 64 KiB writes, and the answer is whole JSON", async (t) => {
  const server = await startServer(t, { dashboard: true, journal: { bodies: true, maxBodySize: 1 << 20 } });
  server.interceptHttp("POST", "/echo/:n", (body) => body);
  const bodies = [1, 2, 3].map((n) => ({ n, text: `${n}`.repeat(150_000) }));
  for (const body of bodies) await (await fetch(`${server.getUrl()}/echo/${body.n}`, { method: "POST", body: JSON.stringify(body) })).text();

  const answer = await fetch(`${server.getUrl()}/__crossipc/api/journal`);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("content-type"), "application/json");
  const read = (await answer.json()) as { enabled: boolean; size: number; lastId: number; entries: Array<Record<string, unknown>> };
  assert.equal(read.enabled, true);
  assert.equal(read.lastId, 3);
  assert.deepEqual(read.entries.map((entry) => JSON.parse(String(entry["responseBody"]))), bodies);

  const none = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal?path=/nothing`)).json()) as { entries: unknown[] };
  assert.deepEqual(none.entries, []);
  const refused = await fetch(`${server.getUrl()}/__crossipc/api/journal?status=abc`);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: string }).error, /status must be/);
});

test("a filter the journal refuses (a path glob too long) answers 400 naming it, on api/journal and api/journal.har alike", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const long = "a".repeat(5000);
  for (const route of ["journal", "journal.har"]) {
    const answer = await fetch(`${server.getUrl()}/__crossipc/api/${route}?path=${long}`);
    assert.equal(answer.status, 400, route);
    assert.match(((await answer.json()) as { error: string }).error, /journal filter path is longer than/, route);
  }
});

test("a kind or direction the journal does not have answers 400 naming it, not an empty list", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/seen", () => "ok");
  await (await fetch(`${server.getUrl()}/seen`)).text();
  for (const route of ["journal", "journal.har"]) {
    for (const [query, field] of [["kind=htttp", "kind"], ["direction=sideways", "direction"]]) {
      const answer = await fetch(`${server.getUrl()}/__crossipc/api/${route}?${query}`);
      assert.equal(answer.status, 400, `${route}?${query}`);
      assert.match(((await answer.json()) as { error: string }).error, new RegExp(`^journal filter ${field} must be`), route);
    }
  }
  const http = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal?kind=http`)).json()) as { entries: unknown[] };
  assert.equal(http.entries.length, 1);
});

test("journal.har?limit=N holds the last N HTTP entries that match, as api/journal's limit", async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/n/:n", (_body, params) => ({ n: params["n"] }));
  for (let i = 1; i <= 4; i++) await (await fetch(`${server.getUrl()}/n/${i}`)).text();
  const har = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har?limit=2`)).json()) as { log: { entries: Array<{ request: { url: string } }> } };
  assert.deepEqual(har.log.entries.map((entry) => new URL(entry.request.url).pathname), ["/n/3", "/n/4"]);
  const refused = await fetch(`${server.getUrl()}/__crossipc/api/journal.har?limit=some`);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: string }).error, /limit must be a number/);
});
