/**
 * Replays from other processes keep their HAR for as long as they live, and only the rule bound
 * (50,000 a connection) held them back: one connection could park GiBs of recordings in the hub.
 * A connection's replays hold at most 8 × `maxMessageSize` of HAR, all connections' together 16 ×;
 * past either a replay is refused naming the limit, and a replay that leaves gives its bytes back.
 */
import assert from "node:assert/strict";
import test from "node:test";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const MiB = 1024 * 1024;

/** A HAR of one GET answered with `size` characters (of `char`), its request carrying `requestHeaderBytes` of headers. */
function har(path: string, size: number, char = "r", requestHeaderBytes = 0) {
  const text = char.repeat(size);
  const headers = requestHeaderBytes ? [{ name: "x-recorded", value: "h".repeat(requestHeaderBytes) }] : [];
  return {
    log: {
      version: "1.2",
      creator: { name: "test", version: "1" },
      entries: [{
        startedDateTime: new Date(0).toISOString(), time: 1,
        request: { method: "GET", url: `http://hub${path}`, httpVersion: "HTTP/1.1", cookies: [], headers, queryString: [], headersSize: -1, bodySize: 0 },
        response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [], content: { size: text.length, mimeType: "text/plain", text }, redirectURL: "", headersSize: -1, bodySize: text.length },
        cache: {}, timings: { send: 0, wait: 1, receive: 0 },
      }],
    },
  };
}

test("a connection's replays hold at most 8 × maxMessageSize of HAR, the hub's 16 ×; past either the replay is refused naming the limit, and a removed one gives its bytes back", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const size = Math.floor(0.9 * MiB);
  const [a, b, c] = [await connectMocks(server.getPort()), await connectMocks(server.getPort()), await connectMocks(server.getPort())];
  t.after(() => Promise.all([a.close(), b.close(), c.close()]));

  const held = [];
  for (let i = 0; i < 8; i++) held.push(await a.replay(har(`/a${i}`, size)));
  await assert.rejects(a.replay(har("/a8", size)), /This connection's replays already hold 7\.2 MiB of HAR; this one \(0\.9 MiB\) would pass the 8\.0 MiB one connection's replays may hold \(8 × maxMessageSize\)/);
  // What it holds still answers; a removed replay's bytes come back.
  assert.equal((await fetch(`${server.getUrl()}/a7`)).status, 200);
  await held[0]!.remove();
  await a.replay(har("/a8", size));

  for (let i = 0; i < 8; i++) await b.replay(har(`/b${i}`, size));
  await c.replay(har("/c0", size));
  await assert.rejects(c.replay(har("/c1", size)), /The hub's replays from all connections already hold 15\.3 MiB of HAR; this one \(0\.9 MiB\) would pass the 16\.0 MiB they may hold together \(16 × maxMessageSize\)/);
  // A connection that goes gives back all it held.
  await b.close();
  let answer: unknown = undefined;
  for (let tries = 0; tries < 100; tries++) {
    answer = await c.replay(har("/c1", size)).then(() => "accepted", (error: Error) => error.message);
    if (answer === "accepted") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(answer, "accepted");
});

test("a scope's replays give their HAR bytes back when the scope closes", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const size = Math.floor(0.9 * MiB);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  for (let i = 0; i < 8; i++) await scope.replay(har(`/s${i}`, size));
  await assert.rejects(mocks.replay(har("/u0", size)), /would pass the 8\.0 MiB one connection's replays may hold/);
  await scope.close();
  for (let i = 0; i < 8; i++) await mocks.replay(har(`/u${i}`, size));
});

test("a replay counts what it keeps, in bytes: a body of 3-byte characters counts 3 bytes each, the request's headers (not kept) nothing", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  // 320,000 × "€": 0.31 M characters, 0.92 MiB of UTF-8 (counted as characters, 26 such replays fitted in 8 MiB).
  const euros = 320_000;
  for (let i = 0; i < 8; i++) await mocks.replay(har(`/e${i}`, euros, "€"));
  await assert.rejects(mocks.replay(har("/e8", euros, "€")), /This connection's replays already hold 7\.3 MiB of HAR; this one \(0\.9 MiB\) would pass the 8\.0 MiB/);
  const answer = await fetch(`${server.getUrl()}/e7`);
  assert.equal(await answer.text(), "€".repeat(euros));
  // 0.9 MiB of request headers each: the replay does not keep them, so 8 more still fit in what is left.
  for (let i = 0; i < 8; i++) await mocks.replay(har(`/h${i}`, 2, "r", Math.floor(0.9 * MiB)));
  assert.equal(await (await fetch(`${server.getUrl()}/h7`)).text(), "rr");
});

test("a replay of many small entries counts each entry's heap (~750 bytes), not only its few bytes of URL", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  // 2,000 GETs with no headers or body: 0.87 MiB of JSON, ~18 bytes each of URL and status, ~750 of heap on a hub.
  const many = (prefix: string) => {
    const document = har(`/${prefix}0`, 0);
    const [entry] = document.log.entries;
    document.log.entries = Array.from({ length: 2_000 }, (_, i) => ({ ...entry!, request: { ...entry!.request, url: `http://hub/${prefix}${i}` } }));
    return document;
  };
  for (let i = 0; i < 5; i++) await mocks.replay(many(`m${i}-`));
  await assert.rejects(mocks.replay(many("m5-")), /This connection's replays already hold 7\.5 MiB of HAR; this one \(1\.5 MiB\) would pass the 8\.0 MiB/);
  assert.equal((await fetch(`${server.getUrl()}/m4-1999`)).status, 200);
});

test("what a replay does not count it does not keep: a response header's HAR `comment` (any size) is not held by the hub", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  // A HAR 1.2 header may carry a `comment`; the answer never sends it. The hub kept the parsed
  // header objects whole, so each replay held its comments uncounted: 40 × 0.9 MiB here, and with
  // no limit but the 50,000 rules a connection may add.
  const commented = (i: number) => {
    const document = har(`/c${i}`, 2);
    document.log.entries[0]!.response.headers = [{ name: "x-commented", value: "yes", comment: String(i).padEnd(Math.floor(0.9 * MiB), "c") }] as never;
    return document;
  };
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  await mocks.replay(commented(-1));
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 40; i++) await mocks.replay(commented(i));
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  const answer = await fetch(`${server.getUrl()}/c39`);
  assert.equal(answer.headers.get("x-commented"), "yes");
  assert.equal(await answer.text(), "rr");
  assert.ok(grown < 8 * MiB, `the hub's heap grew ${(grown / MiB).toFixed(1)} MiB for 40 replays of one 2-byte answer each`);
});

test("a response's `_contentEncoding` counts toward the budget: the replay keeps it, whatever its length", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const encoded = (i: number) => {
    const document = har(`/z${i}`, 2);
    (document.log.entries[0]!.response.content as Record<string, unknown>)._contentEncoding = "g".repeat(Math.floor(0.9 * MiB));
    return document;
  };
  for (let i = 0; i < 8; i++) await mocks.replay(encoded(i));
  await assert.rejects(mocks.replay(encoded(8)), /This connection's replays already hold 7\.2 MiB of HAR; this one \(0\.9 MiB\) would pass the 8\.0 MiB/);
});

test("each answer header counts its heap (~64 bytes) besides its name and value: entries of 256 one-letter headers do not slip past the budget", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  // 140 entries × 256 headers `a: b`: 0.92 MiB of JSON, 0.17 MiB of names, values and entries
  // counted, ~1.8 MiB of a Node hub's heap (51 bytes a header measured: its object, the array's slot).
  // Counted as names and values alone, a connection's 8 MiB held ~40 of them: ~75 MiB.
  const headers = Array.from({ length: 256 }, () => ({ name: "a", value: "b" }));
  const many = (prefix: string) => {
    const document = har(`/${prefix}0`, 0);
    const [entry] = document.log.entries;
    document.log.entries = Array.from({ length: 140 }, (_, i) => ({ ...entry!, request: { ...entry!.request, url: `http://hub/${prefix}${i}` }, response: { ...entry!.response, headers: headers as never[] } }));
    return document;
  };
  for (let i = 0; i < 3; i++) await mocks.replay(many(`a${i}-`));
  await assert.rejects(mocks.replay(many("a3-")), /This connection's replays already hold 7\.\d MiB of HAR; this one \(2\.\d MiB\) would pass the 8\.0 MiB/);
  const answer = await fetch(`${server.getUrl()}/a2-139`);
  assert.equal(answer.headers.get("a"), Array(256).fill("b").join(", "));
});

test("each query pair counts its heap (~110 bytes): entries of 256 short query pairs do not slip past the budget", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  // 100 entries × 256 pairs `q1=7`: 0.15 MiB of JSON, ~3 MiB of a Node hub's heap (129 bytes a pair measured).
  // Counted as their characters alone, a connection's 8 MiB held ~25 such replays: ~75 MiB.
  const query = Array.from({ length: 256 }, (_, q) => `q${q}=7`).join("&");
  const many = (prefix: string) => {
    const document = har(`/${prefix}0`, 0);
    const [entry] = document.log.entries;
    document.log.entries = Array.from({ length: 100 }, (_, i) => ({ ...entry!, request: { ...entry!.request, url: `http://hub/${prefix}${i}?${query}` } }));
    return document;
  };
  for (let i = 0; i < 2; i++) await mocks.replay(many(`q${i}-`));
  await assert.rejects(mocks.replay(many("q2-")), /This connection's replays already hold 6\.\d MiB of HAR; this one \(3\.\d MiB\) would pass the 8\.0 MiB/);
  assert.equal((await fetch(`${server.getUrl()}/q1-99?${query}`)).status, 200);
});
