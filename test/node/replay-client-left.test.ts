/**
 * A request whose client left before its answer is journaled (and exported to HAR) with 499;
 * nothing was answered, so a replay must not answer with it: it is skipped, and an answer
 * recorded for the same request is used instead.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { checkHar } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

function entry(status: number, text: string) {
  return {
    startedDateTime: "2026-01-01T00:00:00.000Z",
    time: 0,
    request: { method: "GET", url: "http://x/users/1", httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status, statusText: "", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "text/plain" }],
      content: { size: text.length, mimeType: "text/plain", text }, redirectURL: "", headersSize: -1, bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  };
}
const har = (...entries: unknown[]) => ({ log: { version: "1.2", creator: { name: "t", version: "1" }, entries } });

test("checkHar counts a 499 entry (the client left) as skipped", () => {
  assert.deepEqual(checkHar(har(entry(499, ""), entry(200, "A"))), { entries: 1, skipped: 1 });
});

test("a replay answers the recorded 200, never the 499 of a client that left", async (t) => {
  const server = await startServer(t);
  // Recorded answers are given in order: the 499 first would be the first answer if it were kept.
  server.replay(har(entry(499, ""), entry(200, "A")), { onMiss: "404" });
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`http://127.0.0.1:${server.getPort()}/users/1`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "A");
  }
});
