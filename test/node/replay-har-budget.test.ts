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
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
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
  await assert.rejects(mocks.replay(many("m5-")), /This connection's replays already hold 7\.5 MiB of HAR; this one \(at least 0\.5 MiB\) would pass the 8\.0 MiB/);
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
  await assert.rejects(mocks.replay(many("a3-")), /This connection's replays already hold 7\.\d MiB of HAR; this one \(at least 0\.9 MiB\) would pass the 8\.0 MiB/);
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
  await assert.rejects(mocks.replay(many("q2-")), /This connection's replays already hold 6\.\d MiB of HAR; this one \(at least 1\.8 MiB\) would pass the 8\.0 MiB/);
  assert.equal((await fetch(`${server.getUrl()}/q1-99?${query}`)).status, 200);
});

test("a replay past the room left is refused while it is built: a connection at its limit cannot make the hub build a HAR many times its text", { timeout: 120_000 }, async (t) => {
  // The hub runs in its own process so that its memory alone is measured (its peak: /proc's VmHWM).
  const hub = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCServer } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const s = new IPCServer(0, { maxMessageSize: ${MiB} }); await s.start();
    console.log(s.getPort());
  `], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => hub.kill("SIGKILL"));
  const port = Number(await new Promise<string>((resolve) => hub.stdout!.once("data", (data) => resolve(String(data)))));
  const peakRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${hub.pid}/status`, "utf8"))![1]) * 1024;
  const mocks = await connectMocks(port);
  t.after(() => mocks.close());

  // 8 × 0.9 MiB: 7.2 MiB held, 0.8 MiB of the connection's 8 MiB left.
  for (let i = 0; i < 8; i++) await mocks.replay(har(`/f${i}`, Math.floor(0.9 * MiB)));
  // Entries of 256 query pairs `q1=2`, ~0.9 MiB of JSON: each pair is ~130 bytes of a Node hub's
  // heap, ~25 MiB in all. And one entry whose single URL holds 0.9 MiB of pairs `ab=cd`.
  const query = Array.from({ length: 256 }, (_, q) => `q${q}=${q % 10}`).join("&");
  const pairs = (prefix: string) => {
    const document = har(`/${prefix}0`, 0);
    const [entry] = document.log.entries;
    document.log.entries = Array.from({ length: 420 }, (_, i) => ({ ...entry!, request: { ...entry!.request, url: `http://hub/${prefix}${i}?${query}` } }));
    return document;
  };
  const oneUrl = har(`/one?${"ab=cd&".repeat(Math.floor((0.9 * MiB) / 6))}`, 0);
  // Refused as it is, built in full in all versions (one entry): what the runtime grows by for a
  // message of this size itself (its parse, the young generation), before the baseline.
  await assert.rejects(mocks.replay(har("/w", Math.floor(0.9 * MiB))), /would pass the 8\.0 MiB/);
  const baseline = peakRss();
  const refusals = [];
  for (let i = 0; i < 3; i++) {
    refusals.push(await mocks.replay(pairs(`p${i}-`)).then(() => "accepted", (error: Error) => error.message));
    refusals.push(await mocks.replay(oneUrl).then(() => "accepted", (error: Error) => error.message));
  }
  const grown = peakRss() - baseline;
  assert.ok(grown < 16 * MiB, `the hub's peak memory grew ${(grown / MiB).toFixed(1)} MiB while it refused replays with 0.8 MiB of room left`);
  for (let i = 0; i < 6; i += 2) {
    assert.match(refusals[i]!, /This connection's replays already hold 7\.2 MiB of HAR; this one \(at least 0\.8 MiB\) would pass the 8\.0 MiB one connection's replays may hold \(8 × maxMessageSize\)/);
    // Its ~157,000 pairs are counted before any is built: 112 bytes each at least.
    assert.match(refusals[i + 1]!, /this one \(at least 16\.8 MiB\) would pass the 8\.0 MiB/);
  }
  // What it holds still answers, and a replay that fits the room is taken.
  assert.equal((await fetch(`http://127.0.0.1:${port}/f7`)).status, 200);
  await mocks.replay(har("/fits", Math.floor(0.5 * MiB)));
  assert.equal((await fetch(`http://127.0.0.1:${port}/fits`)).status, 200);
});

test("a replay whose exchanges fit the room left but whose index does not stops while the index is built (a request body's key is as long as the body)", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  for (let i = 0; i < 8; i++) await mocks.replay(har(`/f${i}`, Math.floor(0.9 * MiB)));
  // 3 POSTs of 0.2 MiB bodies: 0.6 MiB of exchanges fit the ~0.8 MiB left; with the first body's key they pass it.
  // Built in full, the index adds all three keys: 1.2 MiB.
  const document = har("/post", 0);
  const [entry] = document.log.entries;
  document.log.entries = Array.from({ length: 3 }, (_, i) => ({ ...entry!, request: { ...entry!.request, method: "POST", url: `http://hub/post${i}`, postData: { mimeType: "text/plain", text: "abc"[i]!.repeat(0.2 * MiB) } } }));
  await assert.rejects(mocks.replay(document), /This connection's replays already hold 7\.2 MiB of HAR; this one \(at least 0\.8 MiB\) would pass the 8\.0 MiB/);
  // One of them fits whole, counted as before: its exchange and its key, 0.4 MiB.
  document.log.entries = document.log.entries.slice(0, 1);
  await mocks.replay(document);
  assert.equal(await (await fetch(`${server.getUrl()}/post0`, { method: "POST", body: "a".repeat(0.2 * MiB) })).status, 200);
});

test("a build stopped by the hub's room (smaller than the connection's) is refused naming the hub's limit", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxMessageSize: MiB });
  const [a, b, c] = [await connectMocks(server.getPort()), await connectMocks(server.getPort()), await connectMocks(server.getPort())];
  t.after(() => Promise.all([a.close(), b.close(), c.close()]));
  for (let i = 0; i < 8; i++) await a.replay(har(`/a${i}`, Math.floor(0.9 * MiB)));
  for (let i = 0; i < 8; i++) await b.replay(har(`/b${i}`, Math.floor(0.9 * MiB)));
  // c holds nothing (8 MiB of room) but the hub has ~1.6 MiB left: 200 entries of 256 query pairs count ~6 MiB built.
  const query = Array.from({ length: 256 }, (_, q) => `q${q}=${q % 10}`).join("&");
  const document = har("/c0", 0);
  const [entry] = document.log.entries;
  document.log.entries = Array.from({ length: 200 }, (_, i) => ({ ...entry!, request: { ...entry!.request, url: `http://hub/c${i}?${query}` } }));
  await assert.rejects(c.replay(document), /The hub's replays from all connections already hold 14\.4 MiB of HAR; this one \(at least 1\.6 MiB\) would pass the 16\.0 MiB they may hold together \(16 × maxMessageSize\)/);
});
