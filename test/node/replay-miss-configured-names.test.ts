/**
 * A replay's 404 (`onMiss: "404"`) quotes the request and the closest recorded one with the names
 * the hub was given redacted (`journal: { redact: ["x-signing-key"] }`), not the default names
 * only: a recording made with `--no-redact` holds `?x-signing-key=` as sent, and the 404's text
 * goes to whoever asked and, as a body, into the journal and its HAR. The hub's own replay and a
 * test process's (`mocks.replay`) alike.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";
import { startServer } from "./_helpers.ts";

/** ONE_ENTRY_HAR's request, recorded as sent with a signing key in its query. */
const RECORDED_WITH_KEY = structuredClone(ONE_ENTRY_HAR);
RECORDED_WITH_KEY.log.entries[0]!.request.url = "http://hub/orders/list?x-signing-key=recorded-signing-1&page=1";

for (const where of ["server.replay", "mocks.replay"] as const) {
  test(`${where}: the 404 of a miss redacts the names the journal adds, in the request and the closest recorded one`, async (t) => {
    const server = await startServer(t, { journal: { bodies: true, redact: ["X-Signing-Key"] } });
    if (where === "server.replay") server.replay(RECORDED_WITH_KEY, { onMiss: "404" });
    else {
      const mocks = await connectMocks(server.getPort());
      t.after(() => mocks.close());
      await mocks.replay(RECORDED_WITH_KEY, { onMiss: "404" });
    }
    const response = await fetch(`${server.getUrl()}/orders/list?x-signing-key=live-signing-2&page=2&token=live-token-3`);
    assert.equal(response.status, 404);
    const body = await response.text();
    assert.match(body, /No recorded answer for GET \/orders\/list\?x-signing-key=\[redacted\]&page=2&token=\[redacted\]/);
    assert.match(body, /the closest recorded request is GET \/orders\/list\?x-signing-key=\[redacted\]&page=1 \(entry 0\)/);
    const entries = JSON.stringify(server.journal.entries({ path: "/orders/*" }));
    const har = JSON.stringify(server.journal.toHAR());
    for (const [name, text] of [["the 404", body], ["the journal", entries], ["the HAR", har]] as const) {
      assert.doesNotMatch(text, /recorded-signing|live-signing|live-token/, `${name}: ${text}`);
    }
  });
}

test("a name the recording shows [redacted] is redacted in the 404's quote of a live request too", async (t) => {
  const server = await startServer(t);
  const recorded = structuredClone(ONE_ENTRY_HAR);
  recorded.log.entries[0]!.request.url = "http://hub/orders/list?x-session-proof=[redacted]";
  server.replay(recorded, { onMiss: "404" });
  const response = await fetch(`${server.getUrl()}/orders/other?x-session-proof=live-proof-4`);
  assert.equal(response.status, 404);
  const body = await response.text();
  assert.match(body, /No recorded answer for GET \/orders\/other\?x-session-proof=\[redacted\]/);
  assert.doesNotMatch(body, /live-proof/);
});
