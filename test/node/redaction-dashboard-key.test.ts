/**
 * The dashboard's key header (`x-crossipc-key`) is the access token when one is set. A client
 * that sends it on every request (a test's `extraHTTPHeaders`, to read the dashboard's API from a
 * page) must not leave the token in the journal, nor in a HAR recording that gets shared.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

test("x-crossipc-key reads [redacted] in the journal and its HAR, as authorization does", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "the-token" });
  server.interceptHttp("GET", "/users/:id", () => ({ ok: true }));
  await (await fetch(`${server.getUrl()}/users/1`, { headers: { "x-crossipc-key": "the-token" } })).text();

  const [entry] = server.journal.entries({ path: "/users/1" });
  assert.equal(entry!.requestHeaders!["x-crossipc-key"], "[redacted]");
  const har = JSON.stringify(server.journal.toHAR());
  assert.doesNotMatch(har, /the-token/);
  const api = await (await fetch(`${server.getUrl()}/__crossipc/api/journal`, { headers: { authorization: "Bearer the-token" } })).text();
  assert.doesNotMatch(api, /the-token/);
});
