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

test("an intercept's streamed Response longer than the bound a copy counts to is sent whole and journaled with its size (Node counts as it writes)", async (t) => {
  const server = await startServer(t);
  const chunk = 64 * 1024;
  const chunks = Math.ceil(SMALL_ANSWER / chunk) + 2;
  server.interceptRequest("GET", "/long", () => new Response(streamed(chunks, chunk)));
  const response = await fetch(`${server.getUrl()}/long`);
  // Framed as a Web Response always was on Node: chunked, no length said.
  assert.equal(response.headers.get("content-length"), null);
  assert.equal((await response.arrayBuffer()).byteLength, chunks * chunk);
  assert.equal(server.journal.entries({ path: "/long" })[0]!.responseSize, chunks * chunk);
});

test("an intercept's streamed Response is cancelled when its client leaves: counting its size keeps nothing running", async (t) => {
  // The count used to read a clone(): the copy kept pulling the handler's stream (an event
  // stream ticking forever) after the client had gone, and its cancel never came.
  const server = await startServer(t);
  let cancelled!: () => void;
  const cancel = new Promise<void>((resolve) => (cancelled = resolve));
  let timer: ReturnType<typeof setInterval> | undefined;
  t.after(() => clearInterval(timer));
  server.interceptRequest("GET", "/events", () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          timer = setInterval(() => controller.enqueue(new TextEncoder().encode("data: tick\n\n")), 10);
        },
        cancel() {
          clearInterval(timer);
          cancelled();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    ),
  );
  const abort = new AbortController();
  const response = await fetch(`${server.getUrl()}/events`, { signal: abort.signal });
  await response.body!.getReader().read();
  abort.abort();
  // Bounded, so that the old behaviour fails here rather than hanging the file.
  const gone = await Promise.race([cancel.then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 5000, false))]);
  assert.equal(gone, true, "the handler's stream was not cancelled after its client left");
  // The entry keeps no size: the answer never ended.
  assert.equal(server.journal.entries({ path: "/events" })[0]!.responseSize, undefined);
});

test("an intercept's own Response keeps its status, status text and headers, and a HEAD gets no body", async (t) => {
  const server = await startServer(t);
  server.interceptRequest("GET", "/teapot", () => new Response("short and stout", { status: 418, statusText: "I'm a teapot", headers: { "x-kind": "teapot", "set-cookie": "a=1" } }));
  server.interceptRequest("HEAD", "/teapot", () => new Response("short and stout", { status: 418 }));
  const got = await fetch(`${server.getUrl()}/teapot`);
  assert.equal(got.status, 418);
  assert.equal(got.statusText, "I'm a teapot");
  assert.equal(got.headers.get("x-kind"), "teapot");
  assert.equal(await got.text(), "short and stout");
  const head = await fetch(`${server.getUrl()}/teapot`, { method: "HEAD" });
  assert.equal(head.status, 418);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const entry = server.journal.entries({ path: "/teapot", method: "GET" })[0]!;
  assert.equal(entry.responseSize, 15);
  assert.equal(entry.responseHeaders?.["x-kind"], "teapot");
});
