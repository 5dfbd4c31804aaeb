/**
 * A name added to `journal.redact` with a leading `x-` (a service's own header, `x-key`) redacts
 * that header and its spellings, not the name without the `x-`: `key` is left out of the defaults
 * on purpose (a sort, cache or country key), and a replay matches a redacted parameter with any
 * value. When both sides lost the `x-`, `?key=US` and `?key=FR` were recorded as `key=[redacted]`
 * and replayed with the same answer, and a JSON body's `"key"` read `[redacted]`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer } from "./_helpers.ts";

test('redact: ["x-key"] redacts the x-key header and xKey, not ?key= nor a body\'s "key"; a replay tells ?key=US from ?key=FR; a default\'s auth_token still reads [redacted]', async (t) => {
  const backend = await startBackend(t, (request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ country: new URL(request.url!, "http://x").searchParams.get("key") }));
  });
  const recorder = await startServer(t, { journal: { bodies: true, redact: ["x-key"] } });
  recorder.setRouteProxyResolver(() => backend.url);
  const live: string[] = [];
  for (const country of ["US", "FR"]) {
    const response = await fetch(`${recorder.getUrl()}/geo?key=${country}&auth_token=SECRET-query`, {
      method: "POST",
      headers: { "x-key": "SECRET-header", "content-type": "application/json" },
      body: JSON.stringify({ key: `sort-${country}`, xKey: "SECRET-json" }),
    });
    live.push(await response.text());
  }
  const har = recorder.journal.toHAR();
  const text = JSON.stringify(har);
  assert.doesNotMatch(text, /SECRET/);
  assert.deepEqual(har.log.entries.map((entry) => entry.request.queryString), [
    [{ name: "key", value: "US" }, { name: "auth_token", value: "[redacted]" }],
    [{ name: "key", value: "FR" }, { name: "auth_token", value: "[redacted]" }],
  ]);
  assert.match(har.log.entries[1]!.request.postData!.text!, /"key":"sort-FR"/);

  // The same `redact` names, as the recording's bodies were redacted with them (README, Replay).
  const replayer = await startServer(t, { journal: { redact: ["x-key"] } });
  replayer.replay(har, { onMiss: "404" });
  const again: string[] = [];
  for (const country of ["US", "FR"]) {
    const response = await fetch(`${replayer.getUrl()}/geo?key=${country}&auth_token=another`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: `sort-${country}`, xKey: "another" }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    again.push(await response.text());
  }
  assert.deepEqual(again, live);
  assert.deepEqual(live, ['{"country":"US"}', '{"country":"FR"}']);
});
