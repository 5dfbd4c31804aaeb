import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import { test } from "node:test";
import zlib from "node:zlib";
import WebSocket, { WebSocketServer } from "ws";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

const MiB = 1024 * 1024;
/** Peak growth allowed while 100 MiB pass through the hub: far below what buffering adds. */
const STREAMING_BOUND = 48 * MiB;
/** How long the slow side of the streaming test stops reading. */
const PAUSE_MS = 1500;

test("status codes, redirects and bodies pass through unchanged", async (t) => {
  const backend = await startBackend(t, (req, res) => {
    if (req.url === "/204") return res.writeHead(204).end();
    if (req.url === "/304") return res.writeHead(304, { etag: '"v1"' }).end();
    if (req.url === "/302") return res.writeHead(302, { location: "/elsewhere" }).end();
    if (req.url === "/500") return res.writeHead(500, { "content-type": "text/plain" }).end("backend broke");
    res.writeHead(418).end("teapot");
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const get = (p: string) => fetch(`${server.getUrl()}${p}`, { redirect: "manual" });
  assert.equal((await get("/204")).status, 204);
  const notModified = await get("/304");
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get("etag"), '"v1"');
  const redirect = await get("/302");
  assert.equal(redirect.status, 302, "redirects are passed through, not followed");
  assert.match(redirect.headers.get("location")!, /\/elsewhere$/);
  const broken = await get("/500");
  assert.equal(broken.status, 500);
  assert.equal(await broken.text(), "backend broke");
  assert.equal(await (await get("/x")).text(), "teapot");
});

test("x-forwarded-* are added and hop-by-hop headers dropped", async (t) => {
  let seen: http.IncomingHttpHeaders = {};
  const backend = await startBackend(t, (req, res) => {
    seen = req.headers;
    res.end();
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${server.getUrl()}/h`, { headers: { connection: "keep-alive, x-private", "x-private": "secret", "x-kept": "1", "proxy-authorization": "p" } }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(seen["x-forwarded-for"], "127.0.0.1");
  assert.equal(seen["x-forwarded-host"], `127.0.0.1:${server.getPort()}`);
  assert.equal(seen["x-forwarded-proto"], "http");
  assert.equal(seen["x-kept"], "1");
  assert.equal(seen["x-private"], undefined, "a header named in Connection is hop-by-hop");
  assert.equal(seen["proxy-authorization"], undefined);
});

test("compressed answers never arrive with a mismatched content-encoding", async (t) => {
  const text = "hello compressed world ".repeat(200);
  const backend = await startBackend(t, (_req, res) => {
    res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" });
    res.end(zlib.gzipSync(text));
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const body = await new Promise<{ encoding?: string; raw: Buffer }>((resolve, reject) => {
    http.get(`${server.getUrl()}/z`, { headers: { "accept-encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ encoding: res.headers["content-encoding"], raw: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
  const decoded = body.encoding === "gzip" ? zlib.gunzipSync(body.raw).toString() : body.raw.toString();
  assert.equal(decoded, text);
});

test("a slow target answers 504 after proxyTimeout", async (t) => {
  const backend = await startBackend(t, () => {
    /* never answers */
  });
  const server = await startServer(t, { proxyTimeout: 200 });
  server.setRouteProxyResolver(() => backend.url);
  const res = await fetch(`${server.getUrl()}/slow`);
  assert.equal(res.status, 504);
  assert.match(((await res.json()) as { error: string }).error, /did not answer within 200ms/);
});

test("a 100 MiB upload and download stream through without growing the hub's memory", async (t) => {
  let received = 0;
  const backend = await startBackend(t, (req, res) => {
    if (req.method === "POST") {
      received = 0;
      req.on("data", (c: Buffer) => void (received += c.length));
      req.on("end", () => res.end(String(received)));
      // A backend that is slow to read: without backpressure the hub would hold the upload.
      req.pause();
      setTimeout(() => req.resume(), PAUSE_MS);
      return;
    }
    const mib = Number(new URL(req.url!, "http://x").searchParams.get("mib"));
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(MiB, 7);
    void (async () => {
      for (let i = 0; i < mib; i++) if (!res.write(chunk)) await once(res, "drain");
      res.end();
    })();
  });
  // The hub runs in its own process so that its memory alone is measured.
  const hub = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCServer } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const s = new IPCServer(0); await s.start();
    s.setRouteProxyResolver(() => ${JSON.stringify(backend.url)});
    console.log(s.getPort());
  `], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => hub.kill("SIGKILL"));
  const port = Number(await new Promise<string>((r) => hub.stdout!.once("data", (d) => r(String(d)))));
  const hubUrl = `http://127.0.0.1:${port}`;
  const peakRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${hub.pid}/status`, "utf8"))![1]) * 1024;

  const upload = async (mib: number) => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= mib) controller.close();
        else controller.enqueue(new Uint8Array(MiB));
      },
    });
    const res = await fetch(`${hubUrl}/upload`, { method: "POST", body, duplex: "half" } as RequestInit);
    assert.equal(await res.text(), String(mib * MiB));
  };
  const download = async (mib: number) => {
    const res = await fetch(`${hubUrl}/download?mib=${mib}`);
    // A client that is slow to read: without backpressure the hub would hold the download.
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    let got = 0;
    for await (const chunk of res.body!) got += chunk.length;
    assert.equal(got, mib * MiB);
  };

  // A 20 MiB warm-up each way pays the runtime's fixed cost of streaming (young generation,
  // socket buffers, compiled code); what a buffering proxy would add is proportional to the data.
  await upload(20);
  await download(20);
  const baseline = peakRss();
  await upload(100);
  const afterUpload = peakRss() - baseline;
  await download(100);
  const afterDownload = peakRss() - baseline;
  // While one side pauses, a proxy without backpressure takes in what the other side sends: up
  // to the whole 100 MiB. A streaming one grows by what the GC has not collected yet (V8 collects
  // socket-read Buffers only under ~64 MiB of external-memory pressure: Node 24 peaks 10–25 MiB
  // higher whatever the data size). The bound sits between the two.
  assert.ok(afterUpload < STREAMING_BOUND, `the hub's peak memory grew ${(afterUpload / MiB).toFixed(1)} MiB during a 100 MiB upload`);
  assert.ok(afterDownload < STREAMING_BOUND, `the hub's peak memory grew ${(afterDownload / MiB).toFixed(1)} MiB during a 100 MiB download`);
});

test("keep-alive to backends: a burst of requests reuses connections", async (t) => {
  let connections = 0;
  const backend = await startBackend(t, (_req, res) => res.end("ok"));
  backend.server.on("connection", () => void connections++);
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all([...Array(10).keys()].map(async () => (await fetch(`${server.getUrl()}/k`)).text()));
    assert.deepEqual(answers, Array(10).fill("ok"));
  }
  assert.ok(connections <= 10, `100 requests, 10 at a time, opened ${connections} backend connections`);
});

test("a client that goes away mid-request aborts the upstream request", async (t) => {
  let upstreamClosed = false;
  let arrived = false;
  const backend = await startBackend(t, (req) => {
    // Never answers; notices when the hub gives up on it.
    req.socket.once("close", () => void (upstreamClosed = true));
    arrived = true;
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const controller = new AbortController();
  const pending = fetch(`${server.getUrl()}/slow`, { signal: controller.signal }).catch((e) => e);
  // Aborted once the hub has dialled the backend: aborted earlier, there is no upstream to close.
  await waitFor(() => arrived, "the request at the backend");
  controller.abort();
  await pending;
  await waitFor(() => upstreamClosed, "the upstream connection to close", 5000);
});

test("WebSocket proxy: 16 MiB messages intact, and a backend that dies closes the client", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 64 * MiB });
  await once(wss, "listening");
  t.after(() => new Promise((r) => wss.close(r)));
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => {
    // Only a text message can be "die": decoding each 16 MiB binary one cost seconds under load.
    if (!isBinary && String(data) === "die") ws.terminate();
    else ws.send(data, { binary: isBinary });
  }));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(wss.address() as { port: number }).port}`);
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/big`, { maxPayload: 64 * MiB });
  await once(client, "open");
  const big = Buffer.alloc(16 * MiB);
  for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
  client.send(big);
  const [echoed] = (await once(client, "message")) as [Buffer];
  assert.ok(Buffer.compare(echoed, big) === 0, "16 MiB binary message intact");
  const closed = once(client, "close");
  client.send("die");
  const [code] = (await closed) as [number];
  // The backend vanished without a close frame: the client sees that too (the hub pipes bytes).
  assert.equal(code, 1006);
});

test("teardown closes proxied WebSockets that are still open and frees the port", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(wss, "listening");
  t.after(() => new Promise((r) => wss.close(r)));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(wss.address() as { port: number }).port}`);
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live`);
  await once(client, "open");
  const closed = once(client, "close");
  const started = Date.now();
  await server.teardown();
  await closed;
  assert.ok(Date.now() - started < 2000, `teardown took ${Date.now() - started}ms`);
  const again = new IPCServer(server.getPort());
  assert.equal(await again.start(), true, "the port is free again");
  await again.teardown();
});
