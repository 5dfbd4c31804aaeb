/**
 * The dashboard's page lists entries without their bodies (`?bodies=0`), the last `limit` of
 * them, and reads one whole when it is clicked; scripts get the bodies as before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

test("api/journal?bodies=0&limit=2 answers the last two entries without their bodies; the entry by id has them", async (t) => {
  const server = await startServer(t, { dashboard: true, journal: { bodies: true } });
  server.interceptHttp("POST", "/echo/:n", (body) => body);
  for (let i = 1; i <= 3; i++) await (await fetch(`${server.getUrl()}/echo/${i}`, { method: "POST", body: `{"n":${i}}` })).text();

  const api = `${server.getUrl()}/__crossipc/api/journal`;
  const listed = (await (await fetch(`${api}?bodies=0&limit=2`)).json()) as { entries: Record<string, unknown>[] };
  assert.deepEqual(listed.entries.map((e) => e["path"]), ["/echo/2", "/echo/3"]);
  for (const entry of listed.entries) {
    assert.deepEqual(Object.keys(entry).filter((key) => /Body/.test(key)), [], "no body, nor its encoding or truncation");
  }
  const whole = (await (await fetch(`${api}/${listed.entries[1]!["id"]}`)).json()) as Record<string, unknown>;
  assert.equal(whole["requestBody"], '{"n":3}');
  assert.equal(whole["responseBody"], '{"n":3}');
  const scripts = (await (await fetch(`${api}?limit=1`)).json()) as { entries: Record<string, unknown>[] };
  assert.equal(scripts.entries[0]!["responseBody"], '{"n":3}', "without bodies=0, as before");
});
