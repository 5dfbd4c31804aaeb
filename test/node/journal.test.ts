import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { IPCClient, IPCServer, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { rejection, startBackend, startServer, waitFor } from "./_helpers.ts";

const double = IPCServer.defineRequest<number, number>("math/double");
const fail = IPCServer.defineRequest<void, void>("math/fail");
const hello = IPCClient.defineRequest<string, string>("client/hello");

async function connected(t: { after(fn: () => unknown): void }, server: IPCServer, runtimeId: string): Promise<IPCClient> {
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect(runtimeId);
  t.after(() => client.disconnect());
  return client;
}

test("the journal records intercepted, proxied and unrouted HTTP requests with what took them", async (t) => {
  const backend = await startBackend(t, (req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ from: "backend", url: req.url }));
  });
  const server = await startServer(t);
  server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params.id }));
  server.setRouteProxyResolver((path) => (path.startsWith("/api/") ? backend.url : undefined));

  assert.equal((await fetch(`${server.getUrl()}/users/7?verbose=1`)).status, 200);
  assert.equal((await fetch(`${server.getUrl()}/users/8`)).status, 200);
  const proxied = await fetch(`${server.getUrl()}/api/items?page=2`, { method: "POST", body: "12345" });
  assert.equal(proxied.status, 200);
  const proxiedText = await proxied.text();
  assert.equal((await fetch(`${server.getUrl()}/missing`)).status, 404);

  const entries = server.journal.entries({ kind: "http" });
  assert.deepEqual(
    entries.map((e) => [e.method, e.path, e.takenBy, e.route ?? e.target ?? null, e.status, e.ok]),
    [
      ["GET", "/users/7?verbose=1", "intercept", "GET /users/:id", 200, true],
      ["GET", "/users/8", "intercept", "GET /users/:id", 200, true],
      ["POST", "/api/items?page=2", "proxy", `${backend.url}/api/items?page=2`, 200, true],
      ["GET", "/missing", "none", null, 404, false],
    ],
  );
  const [intercepted, , proxy, missing] = entries;
  assert.equal(intercepted!.responseSize, JSON.stringify({ id: "7" }).length);
  assert.equal(intercepted!.requestHeaders?.host, new URL(server.getUrl()).host);
  assert.equal(intercepted!.responseHeaders?.["content-type"], "application/json");
  assert.equal(proxy!.requestSize, 5);
  assert.equal(proxy!.responseSize, Buffer.byteLength(proxiedText));
  assert.ok(missing!.responseSize! > 0);
  for (const entry of entries) {
    assert.ok(entry.durationMs >= 0 && entry.durationMs < 5000, `duration ${entry.durationMs}`);
    assert.ok(Math.abs(entry.time - Date.now()) < 10_000, "time is ms since the epoch");
    assert.equal(entry.requestBody, undefined, "no bodies unless asked");
    assert.equal(entry.responseBody, undefined, "no bodies unless asked");
  }
  assert.ok(entries.every((e, i) => i === 0 || e.id > entries[i - 1]!.id), "ids increase");
  assert.deepEqual(server.journal.hits(), [{ method: "GET", path: "/users/:id", hits: 2 }]);
});

test("the journal records framework requests both ways and WebSocket upgrades", async (t) => {
  const server = await startServer(t, { accessToken: "s3cret" });
  server.onFrameworkMessage(double, (n) => n * 2);
  server.onFrameworkMessage(fail, () => {
    throw new Error("it broke");
  });
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0, accessToken: "s3cret" });
  await client.connect("worker-1");
  t.after(() => client.disconnect());
  client.onFrameworkRequest(hello, (name) => `hello ${name}`);

  assert.equal(await client.sendFrameworkRequest(double, 21), 42);
  await rejection(client.sendFrameworkRequest(fail, undefined));
  await rejection(client.sendFrameworkRequest(IPCServer.defineRequest<void, void>("math/missing"), undefined));
  assert.equal(await server.sendFrameworkMessage("worker-1", hello, "hub"), "hello hub");
  await rejection(server.sendFrameworkMessage("nobody", hello, "x"));

  const refused = new WebSocket(`ws://127.0.0.1:${server.getPort()}${INTERNAL_SOCKET_PATH}?token=wrong`);
  await new Promise((resolve) => refused.once("error", resolve));

  const framework = server.journal.entries({ kind: "framework" });
  assert.deepEqual(
    framework.map((e) => [e.direction, e.path, e.runtimeId, e.ok, e.error ?? null]),
    [
      ["in", "math/double", "worker-1", true, null],
      ["in", "math/fail", "worker-1", false, "it broke"],
      ["in", "math/missing", "worker-1", false, "No handler for: math/missing"],
      ["out", "client/hello", "worker-1", true, null],
      ["out", "client/hello", "nobody", false, "No client connected with runtimeId: nobody"],
    ],
  );
  assert.match(framework[0]!.clientId!, /^client-\d+$/);
  assert.equal(framework[2]!.takenBy, "none", "no handler took it");
  assert.equal(framework[3]!.clientId, framework[0]!.clientId);

  const upgrades = server.journal.entries({ kind: "websocket" });
  assert.deepEqual(
    upgrades.map((e) => [e.path.split("?")[0], e.takenBy, e.status, e.runtimeId ?? null]),
    [
      [INTERNAL_SOCKET_PATH, "framework", 101, "worker-1"],
      [INTERNAL_SOCKET_PATH, "refused", 401, null],
    ],
  );
  assert.equal(upgrades[0]!.path, `${INTERNAL_SOCKET_PATH}?runtimeId=worker-1&token=[redacted]`, "the token is not journaled");
  assert.equal(upgrades[1]!.path, `${INTERNAL_SOCKET_PATH}?token=[redacted]`);
});

test("a framework error a client chose (a handler quoting its input, a client's answer) is kept cut to its beginning", async (t) => {
  const server = await startServer(t);
  const check = IPCServer.defineRequest<string, void>("input/check");
  server.onFrameworkMessage(check, (input) => {
    throw new Error(`bad input ${input}`);
  });
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect("long-errors");
  t.after(() => client.disconnect());
  const ask = IPCClient.defineRequest<void, void>("client/ask");
  client.onFrameworkRequest(ask, () => {
    throw new Error("x".repeat(2_000_000));
  });
  await rejection(client.sendFrameworkRequest(check, "y".repeat(2_000_000)));
  await rejection(server.sendFrameworkMessage("long-errors", ask, undefined));
  const errors = server.journal.entries({ kind: "framework" }).map((entry) => entry.error ?? "");
  assert.equal(errors.length, 2);
  for (const error of errors) {
    assert.ok(error.length < 1100, `an error of ${error.length} characters`);
    assert.match(error, / characters\)$/);
  }
});

test("entries() filters by method, path, status, client, kind and after", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("*", "/items/*", () => ({ ok: true }));
  server.onFrameworkMessage(double, (n) => n * 2);
  const a = await connected(t, server, "alpha");
  const b = await connected(t, server, "beta");
  await a.sendFrameworkRequest(double, 1);
  await b.sendFrameworkRequest(double, 2);
  const mark = server.journal.lastId;
  await fetch(`${server.getUrl()}/items/1`, { method: "POST", body: "{}" });
  await fetch(`${server.getUrl()}/items/2?x=1`);
  await fetch(`${server.getUrl()}/other`);

  const paths = (filter: Parameters<IPCServer["journal"]["entries"]>[0]) => server.journal.entries(filter).map((e) => e.path);
  assert.deepEqual(paths({ method: "post" }), ["/items/1"]);
  assert.deepEqual(paths({ path: "/items/2" }), ["/items/2?x=1"], "exact path, query ignored");
  assert.deepEqual(paths({ path: "/items/2?x=1" }), ["/items/2?x=1"], "with a ?, the query counts");
  assert.deepEqual(paths({ path: "/items/*" }), ["/items/1", "/items/2?x=1"]);
  assert.deepEqual(paths({ path: /^\/oth/ }), ["/other"]);
  assert.deepEqual(paths({ status: 404 }), ["/other"]);
  assert.deepEqual(paths({ status: "2xx", kind: "http" }), ["/items/1", "/items/2?x=1"]);
  assert.deepEqual(paths({ client: "beta", kind: "framework" }), ["math/double"]);
  assert.equal(server.journal.entries({ client: "alpha" }).length, 2, "alpha's upgrade and its request");
  assert.deepEqual(paths({ after: mark }), ["/items/1", "/items/2?x=1", "/other"]);
  assert.deepEqual(paths({ method: "GET", path: "/items/*", status: 200 }), ["/items/2?x=1"]);
  assert.throws(() => server.journal.entries({ status: "6xx" as "5xx" }), /status must be a number or "1xx"/);
});

test("clear() empties the journal and the hit counts; ids keep increasing", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/ping", () => "pong");
  await fetch(`${server.getUrl()}/ping`);
  await fetch(`${server.getUrl()}/ping`);
  const before = server.journal.lastId;
  assert.equal(server.journal.hits()[0]!.hits, 2);
  server.journal.clear();
  assert.deepEqual(server.journal.entries(), []);
  assert.equal(server.journal.hits()[0]!.hits, 0);
  await fetch(`${server.getUrl()}/ping`);
  const [entry] = server.journal.entries();
  assert.equal(entry!.id, before + 1);
  assert.equal(server.journal.hits()[0]!.hits, 1);
});

test("waitFor resolves with a recorded or a coming entry, and rejects clearly on timeout", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("POST", "/mock", () => ({ ok: true }));
  await fetch(`${server.getUrl()}/mock`, { method: "POST" });

  const seen = await server.journal.waitFor({ method: "POST", path: "/mock" }, 1000);
  assert.equal(seen.route, "POST /mock");

  const next = server.journal.waitFor({ path: "/mock", after: server.journal.lastId }, 5000);
  setTimeout(() => void fetch(`${server.getUrl()}/mock`, { method: "POST" }), 20);
  const coming = await next;
  assert.equal(coming.id, seen.id + 1);

  const started = Date.now();
  const error = await rejection(server.journal.waitFor({ method: "DELETE", path: "/never" }, 150));
  assert.ok(Date.now() - started >= 140, "waited for the timeout");
  assert.equal(error.code, "ERR_IPC_TIMEOUT");
  assert.match(error.message, /^Journal: no entry matching \{method="DELETE", path="\/never"\} within 150ms \(2 entries, the last: #\d+ http POST \/mock → 200\)$/);
});

test("the ring keeps the last N entries and memory stays bounded under a flood", async (t) => {
  const server = await startServer(t, { journal: { size: 50, bodies: true, maxBodySize: 256 } });
  server.interceptHttp("POST", "/flood", () => "x".repeat(10_000));
  const big = "y".repeat(20_000);
  const flood = async (count: number) => {
    for (let i = 0; i < count; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => fetch(`${server.getUrl()}/flood`, { method: "POST", body: big }).then((r) => r.text())));
    }
  };
  const gc = collector();
  await flood(500);
  gc();
  const heapAfterFirst = process.memoryUsage().heapUsed;
  await flood(2000);
  gc();
  const growth = process.memoryUsage().heapUsed - heapAfterFirst;

  const entries = server.journal.entries();
  assert.equal(entries.length, 50);
  assert.equal(entries.at(-1)!.id, server.journal.lastId);
  assert.equal(entries[0]!.id, server.journal.lastId - 49);
  assert.equal(entries[0]!.requestBody!.length, 256, "bodies cut at maxBodySize");
  // 2 000 more requests of 20 kB each (40 MB through the journal) may not grow the heap by
  // more than a few MB: the ring holds 50 records with 2 × 256 bytes of body each.
  assert.ok(growth < 8 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MiB`);
});

test("bodies are recorded only when asked, and cut at the limit", async (t) => {
  const backend = await startBackend(t, (req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk)).on("end", () => res.end(`echo:${body}`));
  });
  const plain = await startServer(t);
  const recording = await startServer(t, { journal: { bodies: true, maxBodySize: 16 } });
  for (const server of [plain, recording]) {
    server.interceptHttp("POST", "/json", (body) => ({ got: body }));
    server.interceptRequest("POST", "/raw", async (request) => new Response(`raw:${await request.text()}`));
    server.setRouteProxyResolver(() => backend.url);
  }
  const send = async (server: IPCServer, path: string, body: string) => {
    const response = await fetch(`${server.getUrl()}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    return response.text();
  };
  for (const server of [plain, recording]) {
    assert.equal(await send(server, "/json", '{"a":1}'), '{"got":{"a":1}}');
    assert.equal(await send(server, "/raw", "short"), "raw:short");
    assert.equal(await send(server, "/proxied", "0123456789abcdefXYZ"), "echo:0123456789abcdefXYZ", "the proxy still gets the whole body");
  }
  for (const entry of plain.journal.entries()) {
    assert.equal(entry.requestBody, undefined);
    assert.equal(entry.responseBody, undefined);
  }
  // Bodies of streamed requests and answers are copied as they flow: wait for the last copy.
  await waitFor(() => recording.journal.entries().every((e) => e.responseBody !== undefined), "the copies of the streamed bodies");
  const [json, raw, proxied] = recording.journal.entries();
  assert.deepEqual([json!.requestBody, json!.requestBodyTruncated, json!.responseBody, json!.responseBodyTruncated], ['{"a":1}', false, '{"got":{"a":1}}', false]);
  assert.deepEqual([raw!.requestBody, raw!.responseBody], ["short", "raw:short"]);
  assert.deepEqual(
    [proxied!.requestBody, proxied!.requestBodyTruncated, proxied!.responseBody, proxied!.responseBodyTruncated],
    ["0123456789abcdef", true, "echo:0123456789a", true],
  );
});

test("journal: false records nothing and waitFor says so", async (t) => {
  const server = await startServer(t, { journal: false });
  server.interceptHttp("GET", "/x", () => 1);
  await fetch(`${server.getUrl()}/x`);
  assert.equal(server.journal.enabled, false);
  assert.deepEqual(server.journal.entries(), []);
  assert.equal(server.journal.hits()[0]!.hits, 1, "hit counts do not need the journal");
  const error = await rejection(server.journal.waitFor({}, 1000));
  assert.match(error.message, /journal is off/);
});

test("a bad journal size is refused at construction", () => {
  assert.throws(() => new IPCServer(0, { journal: { size: 0 } }), /journal.size must be a positive integer, got 0/);
});

/** `gc()` without starting Node with --expose-gc. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
