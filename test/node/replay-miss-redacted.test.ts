/**
 * A replay's 404 for a request it holds no answer for (`onMiss: "404"`) names the request with
 * its query as the journal shows it: `?token=` and `?access_token=` read `[redacted]`. It quoted
 * them as sent, and a journal that keeps bodies held them in entries and the HAR of the session.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";
import { startServer } from "./_helpers.ts";

test("a replay miss does not quote a ?token= of the request", async (t) => {
  const server = await startServer(t, { journal: { bodies: true } });
  server.replay(ONE_ENTRY_HAR, { onMiss: "404" });
  const response = await fetch(`${server.getUrl()}/missing?token=query-secret-1&page=2&access_token=query-secret-2`);
  assert.equal(response.status, 404);
  const body = await response.text();
  assert.match(body, /No recorded answer for GET \/missing\?token=\[redacted\]&page=2&access_token=\[redacted\]/);
  const [entry] = server.journal.entries({ path: "/missing*" });
  assert.ok(entry, "the journal has the request");
  const har = JSON.stringify(server.journal.toHAR());
  for (const text of [body, JSON.stringify(entry), har]) assert.doesNotMatch(text, /query-secret/);
});
