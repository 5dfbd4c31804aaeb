/**
 * The journal's byte budget for bodies (`journal.maxTotalBodySize`, `crossipc hub --record F
 * --max-total-body N`): held bytes never pass it, the oldest entries go first and are counted in
 * `dropped`, bodies still streaming in are counted as they arrive, and a body that alone would
 * pass it is cut (marked as one cut at `maxBodySize`, so a replay skips it).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { IPCServer, connectMocks, passthrough, type JournalEntry } from "../../adapters/node.ts";
import { spawnCrossipc } from "./_cli.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

/** The bytes an entry's bodies hold, as the entry shows them (all UTF-8 here). */
const held = (entry: JournalEntry) => Buffer.byteLength(entry.requestBody ?? "") + Buffer.byteLength(entry.responseBody ?? "");

test("journal.maxTotalBodySize: proxied and intercepted bodies never hold more than the budget; the oldest entries go, counted in dropped; the newest are whole", async (t) => {
  const budget = 100_000;
  const backend = await startBackend(t, async (req, res) => {
    let length = 0;
    for await (const chunk of req) length += (chunk as Buffer).byteLength;
    // No content-length: the answer streams, and the journal copies it as it passes.
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("s".repeat(3000));
    res.end(`:${length}`);
  });
  const server = await startServer(t, { dashboard: true, journal: { bodies: true, maxBodySize: 64 * 1024, maxTotalBodySize: budget } });
  server.interceptHttp("POST", "/json", (body) => ({ got: String(body).length }));
  server.interceptRequest("POST", "/raw", async (request) => new Response(`raw:${(await request.text()).length}`));
  server.setRouteProxyResolver(() => backend.url);
  assert.equal(server.journal.maxTotalBodySize, budget);

  const sent: string[] = [];
  for (let i = 0; i < 60; i++) {
    const body = String(i % 10).repeat(5000 + i);
    const where = ["/json", "/raw", "/api/echo"][i % 3]!;
    const response = await fetch(`${server.getUrl()}${where}?i=${i}`, { method: "POST", body });
    await response.text();
    sent.push(where);
    assert.ok(server.journal.bodyBytes <= budget, `after request ${i}: ${server.journal.bodyBytes} bytes held`);
  }
  // Every body copied (the streams end after their entries were committed).
  await waitFor(() => server.journal.entries().every((e) => e.responseBody !== undefined && e.requestBody !== undefined), "every body copied");
  const entries = server.journal.entries();
  assert.ok(server.journal.bodyBytes <= budget, `${server.journal.bodyBytes} bytes held`);
  assert.equal(server.journal.bodyBytes, entries.reduce((sum, e) => sum + held(e), 0), "bodyBytes is what the entries hold");
  assert.ok(entries.length < 60 && entries.length > 5, `${entries.length} entries kept`);
  assert.equal(server.journal.dropped, 60 - entries.length, "each entry that went is counted");
  assert.deepEqual(entries.map((e) => e.path), sent.slice(60 - entries.length).map((where, k) => `${where}?i=${60 - entries.length + k}`), "the newest are kept, in order");
  for (const entry of entries) {
    const i = Number(entry.path.split("=")[1]);
    assert.equal(entry.requestBody, String(i % 10).repeat(5000 + i), `#${i}'s request body whole`);
    assert.equal(entry.requestBodyTruncated, false);
    assert.equal(entry.responseBodyTruncated, false);
  }
  // The state API says what is held.
  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.deepEqual([state.journal.bodyBytes, state.journal.maxTotalBodySize], [server.journal.bodyBytes, budget]);
  server.journal.clear();
  assert.equal(server.journal.bodyBytes, 0);
});

test("journal.maxTotalBodySize: a streamed answer is counted as it arrives, after its entry was committed, and pushes the oldest entry out before it ends", async (t) => {
  const piece = 40_000;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const backend = await startBackend(t, async (req, res) => {
    if (req.url === "/api/old") return res.end("o".repeat(30_000));
    res.writeHead(200, { "content-type": "application/octet-stream" });
    for (let i = 0; i < 3; i++) res.write(Buffer.alloc(piece, 0x61 + i));
    await released;
    res.end(Buffer.alloc(piece, 0x64));
  });
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 1 << 20, maxTotalBodySize: 150_000 } });
  server.setRouteProxyResolver(() => backend.url);
  await (await fetch(`${server.getUrl()}/api/old`)).text();
  assert.equal(server.journal.bodyBytes, 30_000);

  const response = await fetch(`${server.getUrl()}/api/stream`);
  const reader = response.body!.getReader();
  let received = 0;
  while (received < 3 * piece) received += (await reader.read()).value!.byteLength;
  const streaming = await server.journal.waitFor({ path: "/api/stream" }, 2000);
  assert.equal(streaming.responseBody, undefined, "the body has not ended: nothing is kept on the entry yet");
  await waitFor(() => server.journal.bodyBytes === 30_000 + 3 * piece, `the streamed bytes counted (${server.journal.bodyBytes})`);
  assert.equal(server.journal.dropped, 0);

  release();
  while (!(await reader.read()).done);
  // 30 000 + 160 000 passes 150 000: the oldest entry went as the last piece came.
  await waitFor(() => server.journal.dropped === 1, "the oldest entry dropped");
  await waitFor(() => server.journal.get(streaming.id)?.responseBody !== undefined, "the streamed body kept");
  const [kept] = server.journal.entries();
  assert.equal(kept!.path, "/api/stream");
  assert.equal(kept!.responseBodyTruncated, true, "cut where the budget ended: 150 000 of 160 000 bytes");
  assert.equal(kept!.responseBody, "a".repeat(piece) + "b".repeat(piece) + "c".repeat(piece) + "d".repeat(30_000));
  assert.equal(server.journal.bodyBytes, 150_000);
});

test("journal.maxTotalBodySize: a body larger than the budget is cut and marked, its entry kept; a replay of the HAR skips it", async (t) => {
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 1 << 20, maxTotalBodySize: 10_000 } });
  server.interceptHttp("POST", "/big", () => "ok");
  server.interceptHttp("POST", "/small", () => "ok");
  await (await fetch(`${server.getUrl()}/small`, { method: "POST", body: "s".repeat(100) })).text();
  await (await fetch(`${server.getUrl()}/big`, { method: "POST", body: "b".repeat(50_000) })).text();
  const [big] = server.journal.entries();
  assert.equal(server.journal.dropped, 1, "the older entry went to make room");
  assert.equal(big!.path, "/big");
  assert.equal(big!.requestBodyTruncated, true);
  // The answer's body did not fit beside the cut request body: cut to nothing, marked too.
  assert.equal(big!.requestBody!.length + (big!.responseBody ?? "").length, 10_000);
  assert.ok(server.journal.bodyBytes <= 10_000);
  const har = server.journal.toHAR();
  assert.equal((har.log.entries[0] as { _crossipc?: { requestBodyTruncated?: boolean } })._crossipc?.requestBodyTruncated, true);
  const other = await startServer(t);
  const replay = other.replay(har);
  assert.equal(replay.skipped, 1, "the cut recording is not replayed as if whole");
});

test("journal.maxTotalBodySize: a request body a mock read and the proxy then forwards counts once, and is kept whole when it fits", async (t) => {
  // The body the mock read was still counted while the proxy copied the same body again, so the
  // copy was cut at the budget less the first reading: 600 of 1 000 bytes left room for 400.
  const budget = 1000;
  const sent = "b".repeat(600);
  const backend = await startBackend(t, async (req, res) => {
    for await (const _chunk of req);
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    res.end("ok");
  });
  const server = await startServer(t, { journal: { bodies: true, maxTotalBodySize: budget } });
  server.setRouteProxyResolver(() => backend.url);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let read = 0;
  await mocks.intercept("POST", "/api/echo", (body) => ((read = String(body).length), passthrough()));
  const response = await fetch(`${server.getUrl()}/api/echo`, { method: "POST", body: sent });
  assert.equal(await response.text(), "ok");
  assert.equal(read, sent.length);
  const entryOf = () => server.journal.entries({ path: "/api/echo" })[0];
  await waitFor(() => entryOf()?.requestBody !== undefined && entryOf()?.responseBody !== undefined, "both bodies journaled");
  const entry = entryOf()!;
  assert.equal(entry.requestBody, sent);
  assert.equal(entry.requestBodyTruncated, false);
  assert.equal(server.journal.bodyBytes, 602);
});

test("journal.maxTotalBodySize must be a whole number of bytes", () => {
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1MiB"]) {
    // A number out of range is a RangeError, anything else a TypeError (src/_numberOptions.ts).
    const kind = typeof bad === "number" ? "RangeError" : "TypeError";
    assert.throws(() => new IPCServer(0, { journal: { bodies: true, maxTotalBodySize: bad as number } }), new RegExp(`^${kind}: journal\\.maxTotalBodySize must be a whole number of bytes \\(0 or more\\), got `));
  }
  assert.equal(new IPCServer(0, { journal: { bodies: true } }).journal.maxTotalBodySize, 256 * 1024 * 1024);
});

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-budget-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("crossipc hub --record F --max-total-body N: the recording holds at most N bytes of bodies and says that it dropped entries for them", async (t) => {
  const file = path.join(tempDir(t), "budget.har");
  const run = spawnCrossipc(["hub", "--port", "0", "--json", "--record", file, "--max-total-body", "20KiB"]);
  t.after(() => run.child.kill("SIGKILL"));
  await waitFor(() => /"event":"started".*?"port":\d+,/.test(run.out()), "the hub's port", 30_000);
  const port = Number(/"event":"started".*?"port":(\d+),/.exec(run.out())![1]);
  // No service: each answer is a 404 whose JSON body names the path (about 3 KiB here).
  for (let i = 0; i < 12; i++) await (await fetch(`http://127.0.0.1:${port}/p${i}/${"x".repeat(3000)}`, { method: "POST", body: "b" })).text();
  const state = await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/state`)).json();
  assert.equal(state.journal.maxTotalBodySize, 20 * 1024);
  assert.ok(state.journal.bodyBytes <= 20 * 1024 && state.journal.bodyBytes > 10_000, `${state.journal.bodyBytes} bytes held`);
  assert.ok(state.journal.count < 12);
  run.child.kill("SIGINT");
  assert.equal((await once(run.child, "exit"))[0], 0);
  const entries = JSON.parse(readFileSync(file, "utf8")).log.entries as Array<{ request: { url: string } }>;
  assert.equal(entries.length, state.journal.count);
  assert.ok(new URL(entries.at(-1)!.request.url).pathname.startsWith("/p11/"), "the newest entry is in the recording");
  const dropped = 12 - entries.length;
  assert.match(run.err(), new RegExp(`recorded ${entries.length} requests to .*budget\\.har; the journal dropped ${dropped} older entries to keep its bodies within 20KiB \\(raise --max-total-body to keep more\\)`));
});

test("crossipc hub: a bad --max-total-body exits 2 with one line naming the flag", async () => {
  for (const [args, message] of [
    [["--record", "x.har", "--max-total-body", "lots"], "crossipc hub: --max-total-body must be a size in bytes such as 1048576 or 10MiB, got 'lots'"],
    [["--record", "x.har", "--max-total-body", "0"], "crossipc hub: --max-total-body must be a size in bytes such as 1048576 or 10MiB, got '0'"],
    [["--max-total-body", "1MiB"], "crossipc hub: --max-total-body applies to a recording: give --record FILE.har too"],
  ] as Array<[string[], string]>) {
    const run = spawnCrossipc(["hub", "--port", "0", ...args]);
    const [code] = await once(run.child, "exit");
    assert.equal(code, 2, `${args.join(" ")}: ${run.err()}`);
    assert.equal(run.err().split("\n")[0], message);
  }
});
