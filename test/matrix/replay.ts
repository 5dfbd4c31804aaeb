/**
 * Record and replay round trips (SPEC §11) on a hub in each runtime, through the CLI as a
 * person runs it:
 *   1. `crossipc hub --record A.har` in front of a live service; a varied session through it
 *      (JSON, query strings, binary bodies, 1 MiB each way, a gzip answer, a redirect not
 *      followed, 4xx/5xx, set-cookie, one request answered differently three times);
 *   2. the service stopped, `crossipc hub --replay A.har --record B.har`: the same session gets
 *      the same answers (status, body bytes, headers but hop-by-hop and date);
 *   3. B.har holds the same requests and responses as A.har (HAR → replay → record → HAR);
 *   (and A.har replayed in a scope through `connectMocks` from this Node process);
 *   4. bad recordings: `--replay` exits 2 naming the file and the entry.
 * Driven from Node with raw node:http requests, so that what the hub sends is seen as sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { connectMocks, HubRequests, IPCClient } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit, type Child, type Runtime } from "./_spawn.ts";

const CLI = "bin/crossipc.ts";
const MiB = 1024 * 1024;
const BIG = Buffer.from(Array.from({ length: MiB }, (_, i) => (i * 31 + 7) % 256));
const BINARY = Buffer.from([0, 1, 2, 0x80, 0xfe, 0xff, 0x0d, 0x0a]);
/** Not compared: connection-level headers, and the date of each answer. */
const IGNORED = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface Step {
  method: string;
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

const SESSION: Step[] = [
  { method: "GET", path: "/svc/json?b=2&a=1&a=3" },
  { method: "POST", path: "/svc/echo?tag=x", body: JSON.stringify({ name: "Ada", tags: ["a", "b"] }), headers: { "content-type": "application/json" } },
  { method: "PUT", path: "/svc/binary", body: BINARY, headers: { "content-type": "application/octet-stream" } },
  { method: "POST", path: "/svc/big", body: BIG, headers: { "content-type": "application/octet-stream" } },
  { method: "GET", path: "/svc/gzip", headers: { "accept-encoding": "gzip" } },
  { method: "GET", path: "/svc/redirect" },
  { method: "GET", path: "/svc/missing" },
  { method: "GET", path: "/svc/boom" },
  { method: "GET", path: "/svc/login" },
  { method: "GET", path: "/svc/counter" },
  { method: "GET", path: "/svc/counter" },
  { method: "GET", path: "/svc/counter" },
];

const work = mkdtempSync(path.join(tmpdir(), "crossipc-replay-"));
const failures: string[] = [];
try {
  for (const runtime of RUNTIMES) {
    try {
      await roundTrip(runtime);
      await badInput(runtime);
      console.log(`ok   ${runtime} hub: record → replay → record round trip, scope.replay from Node, bad recordings exit 2`);
    } catch (error) {
      console.log(`FAIL ${runtime} hub: ${(error as Error).stack}`);
      failures.push(runtime);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  console.log(`replay: ${failures.length} failure(s): ${failures.join(", ")}`);
  process.exit(1);
}

async function roundTrip(runtime: Runtime): Promise<void> {
  const first = path.join(work, `${runtime}-A.har`);
  const second = path.join(work, `${runtime}-B.har`);

  // 1. Record through the live service.
  const service = await startService();
  const recording = await startHub(runtime, ["--record", first, "--no-redact", "--max-body", "2MiB"]);
  const client = new IPCClient(recording.port, { heartbeatInterval: 0 });
  await client.connect("svc-service");
  await client.sendFrameworkRequest(HubRequests.register, [{ api: "svc", baseUrl: service.url, pathPrefix: "/svc" }]);
  const live = await run(recording.port);
  client.disconnect();
  await stopHub(recording.child);
  await service.close();
  assert.match(recording.child.stderr(), /recorded 12 requests to .*-A\.har/);
  assert.match(recording.child.stderr(), /--no-redact/);
  checkLive(live);

  // 1b. The same recording from another process's scope (mocks.replay): the hub in this runtime builds it.
  await scopedReplay(runtime, first, live);

  // 2. Replay with the service gone, recording again.
  const replaying = await startHub(runtime, ["--replay", first, "--record", second, "--no-redact", "--max-body", "2MiB"]);
  const replayed = await run(replaying.port);
  const unrecorded = await request(replaying.port, { method: "GET", path: "/svc/json?b=2" });
  assert.equal(unrecorded.status, 404, "a request the recording lacks goes on down the order: no service, 404");
  await stopHub(replaying.child);
  for (let i = 0; i < SESSION.length; i++) {
    const what = `${SESSION[i]!.method} ${SESSION[i]!.path}`;
    assert.equal(replayed[i]!.status, live[i]!.status, `${what}: status`);
    assert.ok(replayed[i]!.body.equals(decoded(live[i]!)), `${what}: body bytes`);
    assert.deepEqual(comparable(replayed[i]!, live[i]!), comparable(live[i]!, live[i]!), `${what}: headers`);
  }

  // 3. The second recording holds what the first did.
  const a = JSON.parse(readFileSync(first, "utf8")).log.entries;
  const b = JSON.parse(readFileSync(second, "utf8")).log.entries;
  // The compressed answer is stored decoded; every hub passed it on encoded: bodySize is the bytes sent.
  const gzip = a[SESSION.findIndex((s) => s.path === "/svc/gzip")];
  assert.equal(JSON.parse(gzip.response.content.text).text.length, 4000);
  assert.equal(live[SESSION.findIndex((s) => s.path === "/svc/gzip")]!.headers["content-encoding"], "gzip");
  assert.ok(gzip.response.bodySize > 0 && gzip.response.bodySize < gzip.response.content.size, "bodySize: the compressed bytes");
  // …and then the unrecorded request, which nothing took.
  assert.deepEqual(b.map((e: { _crossipc: { takenBy: string } }) => e._crossipc.takenBy), [...SESSION.map(() => "replay"), "none"]);
  assert.deepEqual(b.slice(0, SESSION.length).map(exchangeOf), a.map(exchangeOf));
}

async function scopedReplay(runtime: Runtime, file: string, live: Answer[]): Promise<void> {
  const plain = await startHub(runtime, []);
  const mocks = await connectMocks(plain.port);
  try {
    const scope = mocks.scope();
    const replay = await scope.replay(readFileSync(file, "utf8"), { onMiss: "404" });
    assert.equal(replay.size, SESSION.length);
    const step = SESSION.findIndex((s) => s.path === "/svc/binary");
    const answer = await request(plain.port, { ...SESSION[step]!, headers: { ...SESSION[step]!.headers, ...scope.headers } });
    assert.equal(answer.status, live[step]!.status);
    assert.ok(answer.body.equals(live[step]!.body), "scope.replay: body bytes");
    const unscoped = await request(plain.port, SESSION[step]!);
    assert.equal(unscoped.status, 404, "a request of no scope does not see the scope's replay");
    const miss = await request(plain.port, { method: "GET", path: "/svc/jsn", headers: scope.headers });
    assert.match(miss.body.toString(), /the closest recorded request is GET \/svc\/json\?b=2&a=1&a=3 \(entry 0\)/);
    await scope.close();
    assert.equal((await request(plain.port, { ...SESSION[step]!, headers: { ...SESSION[step]!.headers, ...scope.headers } })).status, 404);
  } finally {
    await mocks.close();
    await stopHub(plain.child);
  }
}

async function badInput(runtime: Runtime): Promise<void> {
  const good = path.join(work, `${runtime}-A.har`);
  const entries = JSON.parse(readFileSync(good, "utf8")).log.entries;
  const cases: Array<[string, unknown, RegExp]> = [
    ["not-har.har", { hello: "world" }, /not-har\.har: the document\.log is missing/],
    ["old.har", { log: { version: "1.1", creator: { name: "x", version: "1" }, entries: [] } }, /old\.har: not HAR 1\.2: log\.version is "1\.1"/],
    ["no-status.har", withEntry(entries, 2, (e) => delete e.response.status), /no-status\.har: entry 2: response\.status is missing/],
    ["bad-base64.har", withEntry(entries, 3, (e) => (e.response.content = { ...e.response.content, text: "%%%%", encoding: "base64" })), /bad-base64\.har: entry 3: response\.content\.text is not valid base64/],
  ];
  for (const [name, document, message] of cases) {
    const file = path.join(work, name);
    writeFileSync(file, JSON.stringify(document));
    // The good file first: every file is checked before the hub binds.
    const child = start(runtime, CLI, ["hub", "--port", "0", "--json", "--replay", good, "--replay", file]);
    const code = await waitExit(child, 60_000, `hub --replay ${name}`);
    assert.equal(code, 2, `${name}: exit code (stderr: ${child.stderr()})`);
    assert.match(child.stderr(), message);
    assert.doesNotMatch(child.stderr(), /\n\s+at /, "no stack trace");
  }
}

function withEntry(entries: unknown[], index: number, change: (entry: any) => void): unknown {
  const copy = JSON.parse(JSON.stringify(entries));
  change(copy[index]);
  return { log: { version: "1.2", creator: { name: "x", version: "1" }, entries: copy } };
}

/** What must survive HAR → replay → record → HAR: the request, and the answer less what a hop adds. */
function exchangeOf(e: any): unknown {
  const url = new URL(e.request.url);
  const headers = e.response.headers
    .filter((h: { name: string }) => !IGNORED.has(h.name) && h.name !== "content-length" && h.name !== "content-encoding")
    .map((h: { name: string; value: string }) => `${h.name}: ${h.value}`)
    // Names in one order (a Headers object sorts them, Node's raw list does not); a stable sort keeps repeats in theirs.
    .sort((x: string, y: string) => (x.split(":")[0]! < y.split(":")[0]! ? -1 : x.split(":")[0]! > y.split(":")[0]! ? 1 : 0));
  return {
    request: [e.request.method, url.pathname + url.search, e.request.postData?.text ?? "", e.request.postData?._encoding ?? ""],
    response: [e.response.status, headers, e.response.content.text ?? "", e.response.content.encoding ?? ""],
  };
}

function checkLive(live: Answer[]): void {
  const byPath = (p: string) => live[SESSION.findIndex((s) => s.path === p)]!;
  assert.equal(byPath("/svc/big").body.length, MiB);
  assert.equal(byPath("/svc/redirect").status, 302);
  assert.deepEqual([byPath("/svc/missing").status, byPath("/svc/boom").status], [404, 500]);
  assert.deepEqual(live.slice(-3).map((a) => a.body.toString()), ['{"count":1}', '{"count":2}', '{"count":3}']);
  assert.equal((byPath("/svc/login").headers["set-cookie"] as string[]).length, 2);
}

/** The body as a client that decodes sees it (a hub passes the gzip answer on encoded; a replay sends it decoded). */
function decoded(answer: Answer): Buffer {
  return answer.headers["content-encoding"] === "gzip" ? gunzipSync(answer.body) : answer.body;
}

/**
 * The headers to compare: not hop-by-hop ones nor the date; a decoded body's encoding and
 * length go (the replay sends it decoded); content-length only where the live answer had one.
 */
function comparable(answer: Answer, live: Answer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const encoded = live.headers["content-encoding"] !== undefined;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (IGNORED.has(name) || (encoded && (name === "content-encoding" || name === "content-length"))) continue;
    if (name === "content-length" && live.headers["content-length"] === undefined) continue;
    out[name] = value;
  }
  return out;
}

async function run(port: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const step of SESSION) answers.push(await request(port, step));
  return answers;
}

function request(port: number, step: Step): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: step.method, path: step.path, headers: step.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(step.body);
  });
}

async function startHub(runtime: Runtime, args: string[]): Promise<{ child: Child; port: number }> {
  const child = start(runtime, CLI, ["hub", "--port", "0", "--json", ...args]);
  for (;;) {
    const event = await child.nextJson<{ event: string; port?: number }>(60_000, "the started event");
    if (event.event === "started") return { child, port: event.port! };
  }
}

async function stopHub(child: Child): Promise<void> {
  child.proc.kill("SIGINT");
  const code = await waitExit(child, 30_000, "exit on SIGINT");
  assert.equal(code, 0, `exit code on SIGINT (stderr: ${child.stderr()})`);
}

/** The live service: a different kind of answer per path. */
async function startService(): Promise<{ url: string; close(): Promise<void> }> {
  let count = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, "http://service");
    const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-service": "svc", ...headers });
      res.end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case "/svc/json":
        return json(200, { query: [...url.searchParams], items: [1, 2, 3] });
      case "/svc/echo":
        return json(201, { got: JSON.parse(body.toString()), tag: url.searchParams.get("tag") });
      case "/svc/binary":
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(Buffer.concat([body, Buffer.from(BINARY).reverse()]));
      case "/svc/big":
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(Buffer.from(body).reverse());
      case "/svc/gzip": {
        // Compressed whatever the client asked: every hub passes it on as sent.
        const zipped = gzipSync(Buffer.from(JSON.stringify({ text: "squeeze ".repeat(500) })));
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": zipped.length, vary: "accept-encoding" });
        return res.end(zipped);
      }
      case "/svc/redirect":
        res.writeHead(302, { location: "/svc/json?from=redirect", "content-type": "text/plain" });
        return res.end("see /svc/json");
      case "/svc/missing":
        return json(404, { error: "no such thing" });
      case "/svc/boom":
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        return res.end("kaputt ✗");
      case "/svc/login":
        return json(200, { ok: true }, { "set-cookie": ["session=abc123; Path=/; HttpOnly", "theme=dark; Max-Age=3600"] });
      case "/svc/counter":
        return json(200, { count: ++count });
      default:
        return json(404, { error: `service has no ${url.pathname}` });
    }
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
