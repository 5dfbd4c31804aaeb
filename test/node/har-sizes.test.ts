/**
 * The sizes a HAR states (HAR 1.2: `response.bodySize` the bytes sent, `content.size` the
 * length of the returned content, -1 when unknown) for answers with no body, bodies the journal
 * cut at `maxBodySize`, and uploads of no stated length; and a replayed HEAD that was recorded
 * without a length.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

async function recorder(t: Parameters<typeof startServer>[0]) {
  const backend = await startBackend(t, async (request, response) => {
    for await (const _ of request);
    const url = new URL(request.url!, "http://x");
    if (url.pathname === "/head") {
      response.writeHead(200, { "content-type": "text/plain", "content-length": "5" });
      response.end(request.method === "HEAD" ? undefined : "hello");
    } else if (url.pathname === "/not-modified") {
      response.writeHead(304, { etag: '"v1"', "content-length": "5" });
      response.end();
    } else if (url.pathname === "/large") {
      response.writeHead(200, { "content-type": "text/plain", "content-length": "5000" });
      response.end("a".repeat(5000));
    } else if (url.pathname === "/large-gzip") {
      const zipped = gzipSync(Buffer.from("b".repeat(200_000)));
      response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": zipped.length });
      response.end(zipped);
    } else response.end("ok");
  });
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 1000 } });
  server.setRouteProxyResolver(() => backend.url);
  return server;
}

function chunkedUpload(port: number, parts: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method: "POST", path: "/upload", headers: { "content-type": "text/plain", "transfer-encoding": "chunked" } }, (response) => {
      response.resume();
      response.on("end", resolve);
    });
    request.on("error", reject);
    for (const part of parts) request.write(part);
    request.end();
  });
}

test("a HAR says 0 bytes were sent for a HEAD or a 304, and the whole length of a body the journal cut", async (t) => {
  const server = await recorder(t);
  const base = server.getUrl();
  await (await fetch(`${base}/head`, { method: "HEAD" })).arrayBuffer();
  await (await fetch(`${base}/not-modified`)).arrayBuffer();
  await (await fetch(`${base}/large`)).arrayBuffer();
  await (await fetch(`${base}/large-gzip`)).arrayBuffer();
  await chunkedUpload(server.getPort(), ["z".repeat(1500), "z".repeat(1500)]);
  await waitFor(() => server.journal.entries({ kind: "http" }).length >= 5, "five entries");
  const [head, notModified, large, largeGzip, upload] = server.journal.toHAR().log.entries;

  assert.equal(head!.response.bodySize, 0, "a HEAD answer carries no body");
  assert.equal(head!.response.content.size, 0);
  assert.equal(notModified!.response.bodySize, 0, "a 304 carries no body");
  assert.equal(notModified!.response.content.size, 0);

  // Cut at 1000 bytes: the text is what was kept, the sizes what was sent.
  assert.equal(large!.response.content.text!.length, 1000);
  assert.equal(large!._crossipc!.responseBodyTruncated, true);
  assert.equal(large!.response.bodySize, 5000);
  assert.equal(large!.response.content.size, 5000, "content.size is the body's length, not the part kept");

  // A compressed answer cut after decoding: its decoded length is not known, so no compression is claimed.
  assert.equal(largeGzip!._crossipc!.responseBodyTruncated, true);
  assert.equal(largeGzip!.response.content.compression, undefined);
  assert.ok(largeGzip!.response.content.size >= 1000);

  // A chunked upload cut at 1000 bytes: how long it was is not known (-1), not the part kept.
  assert.equal(upload!._crossipc!.requestBodyTruncated, true);
  assert.equal(upload!.request.postData!.text!.length, 1000);
  assert.equal(upload!.request.bodySize, -1);
});

test("a replayed HEAD recorded without a length is answered without one (not content-length: 0)", async (t) => {
  const backend = await startBackend(t, (_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end();
  });
  const live = await startServer(t, { journal: { bodies: true } });
  live.setRouteProxyResolver(() => backend.url);
  const recorded = await fetch(`${live.getUrl()}/thing`, { method: "HEAD" });
  assert.equal(recorded.headers.get("content-length"), null);

  const replayer = await startServer(t);
  replayer.replay(live.journal.toHAR(), { onMiss: "404" });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: replayer.getPort(), method: "HEAD", path: "/thing" }, resolve);
    request.on("error", reject);
    request.end();
  });
  response.resume();
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers["content-length"], undefined);
  assert.equal(response.headers["content-type"], "application/json");
});
