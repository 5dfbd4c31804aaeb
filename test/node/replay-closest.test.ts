/**
 * `onMiss: "404"` names the closest recorded request by SPEC §11's rule, across every recorded
 * path that ties on leading segments: the same method first, then the most leading path segments
 * in common, then the most query parameters in common (it compared only the queries of the first
 * path recorded under the common prefix).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Har, HarEntry } from "../../adapters/node.ts";
import type { Replay } from "../../src/replay/Replay.ts";
import { startServer } from "./_helpers.ts";

function entry(method: string, url: string): HarEntry {
  return {
    startedDateTime: new Date().toISOString(),
    time: 1,
    request: { method, url: `http://recorded.example${url}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [], content: { size: 2, mimeType: "text/plain", text: "ok" }, redirectURL: "", headersSize: -1, bodySize: 2 },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  };
}

async function closest(base: string, method: string, path: string): Promise<string> {
  const response = await fetch(`${base}${path}`, { method });
  assert.equal(response.status, 404);
  return /closest recorded request is (.*)$/.exec(((await response.json()) as { error: string }).error)![1]!;
}

test("the closest recorded request: among paths with as many leading segments in common, the one with most query parameters in common", async (t) => {
  const server = await startServer(t);
  const har: Har = {
    log: {
      version: "1.2",
      creator: { name: "test", version: "1" },
      entries: [entry("GET", "/users/1?x=1"), entry("GET", "/users/2?q=1&r=2"), entry("POST", "/users/3/orders?q=1&r=2"), entry("GET", "/users/2/orders/9"), entry("GET", "/teams/7?q=1&r=2")],
    },
  };
  server.replay(har, { onMiss: "404" });
  const base = server.getUrl();
  // /users/1 and /users/2 share one leading segment with it; /users/2 shares both parameters.
  assert.equal(await closest(base, "GET", "/users/3?q=1&r=2"), "GET /users/2?q=1&r=2 (entry 1)");
  // /users/2/orders/9 shares no more leading segments ("5" ≠ "2") than /users/1 or /users/2.
  assert.equal(await closest(base, "GET", "/users/5/orders?q=1"), "GET /users/2?q=1&r=2 (entry 1)");
  // More leading segments beat more parameters: /teams/7 has both, but shares no segment.
  assert.equal(await closest(base, "GET", "/users?q=1&r=2"), "GET /users/2?q=1&r=2 (entry 1)");
  assert.equal(await closest(base, "GET", "/users/2/orders/8?q=1&r=2"), "GET /users/2/orders/9 (entry 3)");
  // Nothing in common past the method: the first recorded request, unless one shares parameters.
  assert.equal(await closest(base, "GET", "/nowhere"), "GET /users/1?x=1 (entry 0)");
  assert.equal(await closest(base, "GET", "/nowhere?r=2"), "GET /users/2?q=1&r=2 (entry 1)");
  // The same method first.
  assert.equal(await closest(base, "POST", "/users/3/orders"), "POST /users/3/orders?q=1&r=2 (entry 2)");
});

test("the closest recorded request's query reads [redacted] where a recording kept a token as sent (--no-redact, a browser's HAR)", async (t) => {
  const server = await startServer(t, { journal: { bodies: true } });
  const har: Har = {
    log: { version: "1.2", creator: { name: "test", version: "1" }, entries: [entry("GET", "/users/1?access_token=at-s3cret-1&x=1"), entry("GET", "/files?password=pw-s3cret-2")] },
  };
  server.replay(har, { onMiss: "404" });
  const base = server.getUrl();
  assert.equal(await closest(base, "GET", "/users/2?x=1"), "GET /users/1?access_token=[redacted]&x=1 (entry 0)");
  assert.equal(await closest(base, "GET", "/files/2"), "GET /files?password=[redacted] (entry 1)");
  // The 404's text is journaled with its body: the recorded secrets are not there either.
  const journaled = JSON.stringify(server.journal.entries());
  assert.match(journaled, /access_token=\[redacted\]/);
  assert.doesNotMatch(journaled, /s3cret/);
});

test("a miss compares at most 100,000 recorded query parameters: past them, the closest of those compared is named", async (t) => {
  const server = await startServer(t);
  // 200 requests under /q, 1,000 parameters each: twice the bound. /q/0, recorded first and compared
  // last, shares ten parameters with the request; the others share none. Each compared one costs its
  // parameters whatever it shares, so a recording of long queries made every miss a long walk (10,000
  // requests of 600 parameters: 0.9-2.8 s of the hub's thread per miss, any page could send them).
  const query = (i: number) => Array.from({ length: 1000 }, (_, j) => `p${j}=${i === 0 && j < 10 ? "shared" : i}`).join("&");
  const entries = Array.from({ length: 200 }, (_, i) => entry("GET", `/q/${i}?${query(i)}`));
  server.replay({ log: { version: "1.2", creator: { name: "test", version: "1" }, entries } }, { onMiss: "404" });
  const asked = Array.from({ length: 10 }, (_, j) => `p${j}=shared`).join("&");
  const named = await closest(server.getUrl(), "GET", `/q/x?${asked}`);
  // The 100 compared (the last recorded first) share nothing: the first recorded of them is named.
  assert.match(named, /^GET \/q\/100\?p0=100&.* \(entry 100\)$/);
  // Under the bound the closest is found as before.
  assert.equal(await closest(server.getUrl(), "GET", `/q/0/x?${asked}`), `GET /q/0?${query(0)} (entry 0)`);
});

test("over two recordings (crossipc hub --replay a --replay b): the same method first, then leading segments, then parameters, then the file given first", async (t) => {
  const server = await startServer(t);
  const har = (...entries: HarEntry[]): Har => ({ log: { version: "1.2", creator: { name: "test", version: "1" }, entries } });
  // As bin/hub.ts installs them: the first file answers the 404 and is asked last; its 404 searches the other too.
  const a = server.replay(har(entry("GET", "/users/1?x=1")), { name: "a.har", onMiss: "404" }) as Replay;
  const b = server.replay(har(entry("GET", "/users/2?q=1&r=2"), entry("POST", "/orders/3")), { name: "b.har", onMiss: "next" }) as Replay;
  a.closestAlsoIn([b]);
  const base = server.getUrl();
  assert.equal(await closest(base, "GET", "/users/5?q=1"), "GET /users/2?q=1&r=2 (entry 0 of 'b.har')");
  assert.equal(await closest(base, "GET", "/users/5"), "GET /users/1?x=1 (entry 0 of 'a.har')");
  assert.equal(await closest(base, "GET", "/orders/3"), "GET /users/1?x=1 (entry 0 of 'a.har')");
  assert.equal(await closest(base, "POST", "/users/1"), "POST /orders/3 (entry 1 of 'b.har')");
  assert.equal(await closest(base, "DELETE", "/orders/3?q=1"), "POST /orders/3 (entry 1 of 'b.har')");
});
