/**
 * An intercept route that answers with its own `Response` says no size in its headers (the
 * runtime frames the body): its journal entry, the dashboard's size column and the HAR's
 * `bodySize`/`content.size` said nothing, where a route answering data had its size.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SMALL_ANSWER } from "../../src/platform.ts";
import { startServer } from "./_helpers.ts";

/** A body streamed in `chunks` chunks of `size` bytes each. */
const streamed = (chunks: number, size: number) => {
  let left = chunks;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- === 0) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(97));
    },
  });
};

for (const bodies of [false, true]) {
  test(`an intercept's own Response is journaled with the bytes it sent (bodies recorded: ${bodies})`, async (t) => {
    const server = await startServer(t, { journal: { bodies } });
    server.interceptHttp("GET", "/http", () => new Response("héllo"));
    server.interceptRequest("GET", "/text", () => new Response("héllo"));
    server.interceptRequest("GET", "/bytes", () => new Response(new Uint8Array([0, 255, 1])));
    server.interceptRequest("GET", "/empty", () => new Response(null, { status: 204 }));
    server.interceptRequest("GET", "/stream", () => new Response(streamed(2, 5)));
    server.interceptRequest("GET", "/said", () => new Response("abc", { headers: { "content-length": "3" } }));
    const paths = ["/http", "/text", "/bytes", "/empty", "/stream", "/said"];
    const sent: Record<string, number> = {};
    for (const path of paths) sent[path] = (await (await fetch(`${server.getUrl()}${path}`)).arrayBuffer()).byteLength;
    assert.deepEqual(sent, { "/http": 6, "/text": 6, "/bytes": 3, "/empty": 0, "/stream": 10, "/said": 3 });
    const sizes = Object.fromEntries(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.responseSize]));
    assert.deepEqual(sizes, sent);
    const har = server.journal.toHAR({ path: "/text" }).log.entries[0]!.response;
    assert.equal(har.bodySize, 6);
    assert.equal(har.content.size, 6);
  });
}

test("an intercept's streamed Response longer than the counted bound is sent whole and journaled without a size", async (t) => {
  const server = await startServer(t);
  const chunk = 64 * 1024;
  const chunks = Math.ceil(SMALL_ANSWER / chunk) + 2;
  server.interceptRequest("GET", "/long", () => new Response(streamed(chunks, chunk)));
  assert.equal((await (await fetch(`${server.getUrl()}/long`)).arrayBuffer()).byteLength, chunks * chunk);
  assert.equal(server.journal.entries({ path: "/long" })[0]!.responseSize, undefined);
});
