/**
 * Replayed answers as they go out (built once per recorded answer, sent through the runtime's
 * fast Response) and as a journal that records bodies keeps them.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { har, harEntry } from "./_harEntry.ts";
import { startServer } from "./_helpers.ts";

/** A request with its path sent as written (fetch would resolve dot segments before sending). */
function raw(port: number, method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

test("the same recorded answer, asked for many times, is the same bytes and headers each time; a HEAD is not a recorded GET; a 204 has no length", async (t) => {
  const server = await startServer(t);
  const text = "héllo ".repeat(50);
  server.replay(har(harEntry("GET", "/page?x=1", 200, text, [["content-type", "text/plain; charset=utf-8"], ["x-kept", "yes"]]), harEntry("DELETE", "/page", 204, "")));
  const port = server.getPort();
  for (let i = 0; i < 5; i++) {
    const got = await raw(port, "GET", "/page?x=1");
    assert.equal(got.status, 200);
    assert.equal(got.body, text);
    assert.equal(got.headers["content-length"], String(Buffer.byteLength(text)));
    assert.equal(got.headers["x-kept"], "yes");
  }
  const head = await raw(port, "HEAD", "/page?x=1");
  assert.equal(head.status, 404, "HEAD is a method of its own: only a recorded HEAD answers it");
  const gone = await raw(port, "DELETE", "/page");
  assert.deepEqual([gone.status, gone.body, gone.headers["content-length"]], [204, "", undefined]);
});

test("a recorded HEAD answers with the recorded length and no body", async (t) => {
  const server = await startServer(t);
  server.replay(har(harEntry("HEAD", "/file", 200, "", [["content-type", "text/plain"], ["content-length", "1234"]])));
  const head = await raw(server.getPort(), "HEAD", "/file");
  assert.deepEqual([head.status, head.body, head.headers["content-length"]], [200, "", "1234"]);
});

test("paths match as the URL parser reads them: dot segments, percent-encoding and characters it escapes", async (t) => {
  const server = await startServer(t);
  server.replay(har(harEntry("GET", "/a/b?q=1", 200, "dots"), harEntry("GET", "/files/a%20b", 200, "space"), harEntry("GET", "/über", 200, "umlaut"), harEntry("GET", "/plain?z=2&y=1", 200, "plain")));
  const port = server.getPort();
  assert.equal((await raw(port, "GET", "/a/./c/../b?q=1")).body, "dots");
  assert.equal((await raw(port, "GET", "/a/%2e/b?q=1")).body, "dots");
  assert.equal((await raw(port, "GET", "/files/a%20b")).body, "space");
  assert.equal((await raw(port, "GET", "/%C3%BCber")).body, "umlaut");
  assert.equal((await raw(port, "GET", "/plain?y=1&z=2")).body, "plain");
  assert.equal((await raw(port, "GET", "/plain?y=1")).status, 404);
});

test("a journal that records bodies keeps a replayed answer's bytes, cut at maxBodySize", async (t) => {
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 8 } });
  const replay = server.replay(har(harEntry("GET", "/short", 200, "tiny"), harEntry("GET", "/long", 200, "0123456789abcdef")));
  const base = server.getUrl();
  assert.equal(await (await fetch(`${base}/short`)).text(), "tiny");
  assert.equal(await (await fetch(`${base}/long`)).text(), "0123456789abcdef", "the client gets the whole body");
  const [short, long] = server.journal.entries({ kind: "http" });
  assert.deepEqual([short!.takenBy, short!.responseBody, short!.responseBodyTruncated], ["replay", "tiny", false]);
  assert.deepEqual([long!.responseBody, long!.responseBodyTruncated, long!.responseHeaders?.["content-length"]], ["01234567", true, "16"]);
  assert.equal(replay.matched, 2);
  // The recording of a replay replays the same: a second hub answers from the first one's HAR.
  const again = await startServer(t);
  again.replay(server.journal.toHAR());
  assert.equal(await (await fetch(`${again.getUrl()}/short`)).text(), "tiny");
});
