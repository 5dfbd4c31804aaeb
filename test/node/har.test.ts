import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { CROSSIPC_VERSION } from "../../src/_version.ts";
import { checkHar12 } from "./_har12.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";
import type { IPCServer } from "../../adapters/node.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BINARY = Uint8Array.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);

/** A hub recording bodies in front of a backend that answers in many ways. */
async function recordingHub(t: { after(fn: () => unknown): void }, options = {}): Promise<IPCServer> {
  const backend = await startBackend(t, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, "http://x");
    if (url.pathname === "/api/json") {
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", ["a=1; Path=/; HttpOnly", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure"]);
      res.end(JSON.stringify({ got: body.toString(), q: url.searchParams.get("q") }));
    } else if (url.pathname === "/api/binary") {
      res.setHeader("content-type", "application/octet-stream");
      res.end(Buffer.concat([body, Buffer.from(BINARY)]));
    } else if (url.pathname === "/api/gzip") {
      const zipped = gzipSync(Buffer.from("compressed ".repeat(100)));
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": zipped.length });
      res.end(zipped);
    } else if (url.pathname === "/api/redirect") {
      res.writeHead(302, { location: "/api/json" });
      res.end();
    } else {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("broken");
    }
  });
  const server = await startServer(t, { dashboard: true, journal: { bodies: true, maxBodySize: 1 << 20 }, ...options });
  server.setRouteProxyResolver((p) => (p.startsWith("/api/") ? backend.url : undefined));
  server.interceptHttp("GET", "/local/:id", (_body, params) => ({ id: params.id }));
  return server;
}

async function session(server: IPCServer): Promise<void> {
  const base = server.getUrl();
  await (await fetch(`${base}/api/json?q=x&r=1&q=y`, { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json", authorization: "Bearer secret-token", cookie: "sid=abc" } })).text();
  await (await fetch(`${base}/api/binary`, { method: "PUT", body: BINARY, headers: { "content-type": "application/octet-stream" } })).arrayBuffer();
  await (await fetch(`${base}/api/gzip`)).text();
  await (await fetch(`${base}/api/redirect`, { redirect: "manual" })).text();
  await (await fetch(`${base}/api/fail`)).text();
  await (await fetch(`${base}/local/7`)).text();
  await (await fetch(`${base}/nowhere`)).text();
  await waitFor(() => server.journal.entries({ kind: "http" }).filter((e) => e.responseBody !== undefined).length >= 6, "the bodies of the session");
}

test("journal.toHAR writes every field HAR 1.2 requires, bodies as text or base64, gzip stored decoded", async (t) => {
  const server = await recordingHub(t);
  await session(server);
  const har = server.journal.toHAR();
  assert.deepEqual(checkHar12(har), []);
  assert.equal(har.log.creator.name, "crossipc");
  const entries = har.log.entries;
  assert.deepEqual(
    entries.map((e) => [e.request.method, new URL(e.request.url).pathname, e.response.status, e._crossipc!.takenBy]),
    [
      ["POST", "/api/json", 200, "proxy"],
      ["PUT", "/api/binary", 200, "proxy"],
      ["GET", "/api/gzip", 200, "proxy"],
      ["GET", "/api/redirect", 302, "proxy"],
      ["GET", "/api/fail", 500, "proxy"],
      ["GET", "/local/7", 200, "intercept"],
      ["GET", "/nowhere", 404, "none"],
    ],
  );
  const [json, binary, gzip, redirect] = entries;
  // The URL as the client addressed the hub; the query as pairs, in order.
  assert.equal(json!.request.url, `${server.getUrl()}/api/json?q=x&r=1&q=y`);
  assert.deepEqual(json!.request.queryString, [{ name: "q", value: "x" }, { name: "r", value: "1" }, { name: "q", value: "y" }]);
  assert.deepEqual(json!.request.postData, { mimeType: "application/json", text: '{"a":1}' });
  assert.equal(json!.request.bodySize, 7);
  assert.deepEqual(JSON.parse(json!.response.content.text!), { got: '{"a":1}', q: "x" });
  assert.equal(json!.response.content.mimeType, "application/json");
  assert.equal(json!.response.statusText, "OK");
  assert.equal(json!._crossipc!.id, server.journal.entries({ kind: "http" })[0]!.id);
  assert.equal(json!._crossipc!.scope, null);
  // Redacted by default: one set-cookie header that says so, and no cookies to show.
  assert.deepEqual(json!.response.headers.filter((h) => h.name === "set-cookie"), [{ name: "set-cookie", value: "[redacted]" }]);

  assert.deepEqual(binary!.request.postData, { mimeType: "application/octet-stream", text: Buffer.from(BINARY).toString("base64"), _encoding: "base64" });
  assert.equal(binary!.response.content.encoding, "base64");
  assert.deepEqual(Buffer.from(binary!.response.content.text!, "base64"), Buffer.concat([Buffer.from(BINARY), Buffer.from(BINARY)]));
  assert.equal(binary!.response.content.size, 16);

  assert.equal(gzip!.response.content.text, "compressed ".repeat(100));
  assert.equal(gzip!.response.content.size, 1100);
  const sent = gzipSync(Buffer.from("compressed ".repeat(100))).length;
  assert.equal(gzip!.response.bodySize, sent, "bodySize: the compressed bytes sent");
  assert.equal(gzip!.response.content.compression, 1100 - sent);

  assert.equal(redirect!.response.redirectURL, "/api/json");
});

test("cookies and secrets read [redacted] in the HAR, as in the journal", async (t) => {
  const server = await recordingHub(t);
  await session(server);
  const json = server.journal.toHAR().log.entries[0]!;
  const header = (list: Array<{ name: string; value: string }>, name: string) => list.filter((h) => h.name === name).map((h) => h.value);
  assert.deepEqual(header(json.request.headers, "authorization"), ["[redacted]"]);
  assert.deepEqual(header(json.request.headers, "cookie"), ["[redacted]"]);
  assert.deepEqual(json.request.cookies, []);
  assert.ok(header(json.response.headers, "set-cookie").every((v) => v === "[redacted]"));
  assert.ok(!JSON.stringify(server.journal.toHAR()).includes("secret-token"));
});

test("with redact: false the HAR keeps cookies, parsed", async (t) => {
  const server = await recordingHub(t, { journal: { bodies: true, redact: false } });
  await session(server);
  const json = server.journal.toHAR().log.entries[0]!;
  assert.deepEqual(json.request.cookies, [{ name: "sid", value: "abc" }]);
  assert.deepEqual(json.response.cookies, [
    { name: "a", value: "1", path: "/", httpOnly: true },
    { name: "b", value: "2", expires: "2037-10-21T07:28:00.000Z", secure: true },
  ]);
  // Two set-cookie headers stay two (the second's Expires holds ", " itself).
  assert.equal(json.response.headers.filter((h) => h.name === "set-cookie").length, 2);
});

test("GET /__crossipc/api/journal.har takes the journal's filters; crossipc journal --har prints it", async (t) => {
  const server = await recordingHub(t);
  await session(server);
  const all = await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har`)).json();
  assert.deepEqual(checkHar12(all), []);
  assert.equal(all.log.entries.length, 7);
  const failed = await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har?status=5xx&method=GET`)).json();
  assert.deepEqual(failed.log.entries.map((e: { request: { url: string } }) => new URL(e.request.url).pathname), ["/api/fail"]);
  const bad = await fetch(`${server.getUrl()}/__crossipc/api/journal.har?status=abc`);
  assert.equal(bad.status, 400);

  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "journal", "--har", "--port", String(server.getPort()), "--path", "/api/*"], { cwd: ROOT });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const [code] = await once(child, "close");
  assert.equal(code, 0);
  const printed = JSON.parse(stdout);
  assert.deepEqual(checkHar12(printed), []);
  assert.equal(printed.log.entries.length, 5);
});

test("the unfiltered HAR tells onHAR listeners; a filtered one does not", async (t) => {
  const server = await recordingHub(t);
  let told = 0;
  server.journal.onHAR(() => told++);
  server.journal.toHAR({ method: "GET" });
  assert.equal(told, 0);
  server.journal.toHAR();
  await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har`)).text();
  assert.equal(told, 2);
});

test("the HAR's creator version is the package's", () => {
  assert.equal(CROSSIPC_VERSION, JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
});

test("recording 1 MiB bodies through the proxy keeps memory within the ring's bound", async (t) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const MiB = 1024 * 1024;
  const body = Buffer.alloc(MiB, 0xff); // not UTF-8: base64 in the HAR
  const backend = await startBackend(t, async (req, res) => {
    for await (const _chunk of req);
    res.end(body);
  });
  const server = await startServer(t, { journal: { size: 4, bodies: true, maxBodySize: MiB } });
  server.setRouteProxyResolver(() => backend.url);
  const flood = async (count: number) => {
    for (let i = 0; i < count; i++) await (await fetch(`${server.getUrl()}/up/${i}`, { method: "POST", body })).arrayBuffer();
  };
  const used = () => {
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  // Node 24's fetch frees its buffers a few GC cycles late: the least of several settled samples.
  const settled = async () => {
    let least = Infinity;
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      gc();
      least = Math.min(least, used());
    }
    return least;
  };
  await flood(10);
  const before = await settled();
  await flood(60);
  const growth = (await settled()) - before;
  const kept = server.journal.toHAR().log.entries;
  assert.equal(kept.length, 4);
  assert.ok(kept.every((e) => e.response.content.size === MiB && e.response.content.encoding === "base64" && e.request.postData?._encoding === "base64"));
  // 120 MiB went through; the ring holds 4 × (1 MiB + 1 MiB) at most, and the last ring was already full.
  assert.ok(growth < 16 * MiB, `memory grew by ${(growth / MiB).toFixed(1)} MiB`);
});
