/**
 * A HAR that Playwright records (`recordHar`) keeps the requests that failed (a refused
 * connection, a fetch the page aborted) with `response.status: -1` and a `_failureText`: the
 * recording replays, those entries skipped as having no answer (it was refused whole).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkHar, type Har } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

/** Two entries as Playwright 1.5x writes them: a fetch answered, and one that failed. */
const PLAYWRIGHT_HAR = {
  log: {
    version: "1.2",
    creator: { name: "Playwright", version: "1.56.0" },
    browser: { name: "chromium", version: "141.0.7390.37" },
    pages: [{ startedDateTime: "2026-12-04T10:00:00.000Z", id: "page@1", title: "app", pageTimings: { onContentLoad: -1, onLoad: -1 } }],
    entries: [
      {
        pageref: "page@1",
        startedDateTime: "2026-12-04T10:00:00.100Z",
        time: 3.2,
        request: {
          method: "GET", url: "http://localhost:9000/api/items?page=1", httpVersion: "HTTP/1.1", cookies: [],
          headers: [{ name: "Accept", value: "*/*" }], queryString: [{ name: "page", value: "1" }], headersSize: -1, bodySize: 0,
        },
        response: {
          status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "Content-Type", value: "application/json" }],
          content: { size: 11, mimeType: "application/json", compression: 0, text: '{"items":1}' }, headersSize: -1, bodySize: 11, redirectURL: "", _transferSize: 120,
        },
        cache: {},
        timings: { dns: -1, connect: -1, ssl: -1, send: 0, wait: 2.1, receive: 1.1 },
        serverIPAddress: "127.0.0.1",
        _serverPort: 9000,
        _securityDetails: {},
        _frameref: "frame@1",
        _monotonicTime: 1234.5,
      },
      {
        pageref: "page@1",
        startedDateTime: "2026-12-04T10:00:00.200Z",
        time: 1.5,
        request: { method: "GET", url: "http://localhost:9999/analytics", httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: -1 },
        response: {
          status: -1, statusText: "", httpVersion: "HTTP/1.1", cookies: [], headers: [],
          content: { size: -1, mimeType: "x-unknown" }, headersSize: -1, bodySize: -1, redirectURL: "", _transferSize: -1, _failureText: "net::ERR_CONNECTION_REFUSED",
        },
        cache: {},
        timings: { send: -1, wait: -1, receive: -1 },
        _frameref: "frame@1",
        _monotonicTime: 1240.1,
      },
    ],
  },
};

test("a Playwright HAR with a failed request (status -1) replays its answered requests", async (t) => {
  assert.deepEqual(checkHar(PLAYWRIGHT_HAR), { entries: 1, skipped: 1 });
  const server = await startServer(t);
  const replay = server.replay(PLAYWRIGHT_HAR as unknown as Har, { onMiss: "404" });
  assert.equal(replay.skipped, 1);
  const response = await fetch(`${server.getUrl()}/api/items?page=1`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '{"items":1}');
  const failed = await fetch(`${server.getUrl()}/analytics`);
  assert.equal(failed.status, 404, "no answer was recorded for it");
  await failed.text();
});
