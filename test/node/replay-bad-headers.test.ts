import assert from "node:assert/strict";
import { test } from "node:test";
import type { Har, HarEntry } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

/** A recorded GET /x answered 200 "ok" with these response headers. */
function recording(headers: Array<[string, string]>): Har {
  const entry: HarEntry = {
    startedDateTime: new Date().toISOString(),
    time: 1,
    request: { method: "GET", url: "http://recorded.example/x", httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status: 200,
      statusText: "OK",
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: headers.map(([name, value]) => ({ name, value })),
      content: { size: 2, mimeType: "text/plain", text: "ok" },
      redirectURL: "",
      headersSize: -1,
      bodySize: 2,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  };
  const good = structuredClone(entry);
  good.request.url = "http://recorded.example/good";
  good.response.headers = [];
  return { log: { version: "1.2", creator: { name: "hand-edited", version: "1" }, entries: [good, entry] } };
}

test("a recorded answer header a response cannot carry refuses the whole HAR, naming the entry (it answered every request with an empty 500)", async (t) => {
  const server = await startServer(t);
  const cases: Array<[Array<[string, string]>, RegExp]> = [
    [[["bad header", "x"]], /^entry 1: response\.headers\[0\]\.name "bad header" is not an HTTP header name/],
    [[["x-ok", "1"], ["x-split", "a\r\nx-injected: 1"]], /^entry 1: response\.headers\[1\]\.value of x-split .* holds a line break/],
    [[["x-euro", "5 €"]], /^entry 1: response\.headers\[0\]\.value of x-euro/],
    [[["Content-Length", "two"]], /^entry 1: response\.headers\[0\]\.value of content-length "two" is not a length/],
  ];
  for (const [headers, message] of cases) {
    const error = (() => {
      try {
        server.replay(recording(headers));
      } catch (e) {
        return e as Error & { code?: string; entry?: number };
      }
      assert.fail(`accepted ${JSON.stringify(headers)}`);
    })();
    assert.match(error.message, message);
    assert.equal(error.code, "ERR_IPC_BAD_HAR");
    assert.equal(error.entry, 1);
  }
  assert.equal((await fetch(`${server.getUrl()}/good`)).status, 404, "no part of a refused HAR answers");
});

test("HTTP/2 pseudo-headers in a DevTools export are left out of the answer", async (t) => {
  const server = await startServer(t);
  server.replay(recording([[":status", "200"], ["content-type", "text/plain"], ["x-kept", "yes"]]));
  const response = await fetch(`${server.getUrl()}/x`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ok");
  assert.equal(response.headers.get("x-kept"), "yes");
});

test("pseudo-headers do not count toward the 256 header fields an answer may carry: they are left out of it", async (t) => {
  const server = await startServer(t);
  const real = Array.from({ length: 256 }, (_, i): [string, string] => [`x-h${i}`, "v"]);
  server.replay(recording([[":status", "200"], [":authority", "recorded.example"], ...real]));
  const response = await fetch(`${server.getUrl()}/x`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ok");
  assert.equal(response.headers.get("x-h255"), "v");
  // 257 real ones are still refused, naming the count of real ones.
  assert.throws(() => server.replay(recording([[":status", "200"], ...real, ["x-h256", "v"]])), /entry 1: response\.headers: 257 header fields, more than the 256/);
});
