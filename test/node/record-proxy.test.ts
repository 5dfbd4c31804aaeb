/**
 * Recording bodies through the Node proxy: the service sees the request as it would without
 * recording, and the journal keeps what passed, cut at maxBodySize.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

test("recording bodies, a proxied POST reaches the service as without recording (x-forwarded-for, whole body)", async (t) => {
  const seen: Array<{ forwardedFor: string | undefined; length: number }> = [];
  const backend = await startBackend(t, async (req, res) => {
    let length = 0;
    for await (const chunk of req) length += (chunk as Buffer).byteLength;
    seen.push({ forwardedFor: req.headers["x-forwarded-for"] as string | undefined, length });
    res.setHeader("content-type", "text/plain");
    res.end(`got ${length}`);
  });
  const plain = await startServer(t);
  const recording = await startServer(t, { journal: { bodies: true, maxBodySize: 1000 } });
  const body = "0123456789".repeat(50_000); // 500 kB: several chunks
  for (const server of [plain, recording]) {
    server.setRouteProxyResolver(() => backend.url);
    const response = await fetch(`${server.getUrl()}/upload`, { method: "POST", body });
    assert.equal(await response.text(), `got ${body.length}`);
  }
  assert.deepEqual(seen, [
    { forwardedFor: "127.0.0.1", length: body.length },
    { forwardedFor: "127.0.0.1", length: body.length },
  ]);
  await waitFor(() => recording.journal.entries({ kind: "http" })[0]?.requestBody !== undefined, "the recorded request body");
  const [entry] = recording.journal.entries({ kind: "http" });
  assert.deepEqual([entry!.requestBody, entry!.requestBodyTruncated], [body.slice(0, 1000), true]);
  assert.deepEqual([entry!.responseBody, entry!.responseBodyTruncated], [`got ${body.length}`, false]);
});

test("recording bodies, a proxied answer past 256 KiB streams to the client whole and is kept cut", async (t) => {
  const big = Buffer.alloc(600 * 1024, 0x61);
  const backend = await startBackend(t, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(big); // no content-length given: streamed
  });
  const recording = await startServer(t, { journal: { bodies: true, maxBodySize: 4096 } });
  recording.setRouteProxyResolver(() => backend.url);
  const response = await fetch(`${recording.getUrl()}/big`);
  assert.equal((await response.arrayBuffer()).byteLength, big.byteLength);
  await waitFor(() => recording.journal.entries({ kind: "http" })[0]?.responseBody !== undefined, "the recorded answer");
  const [entry] = recording.journal.entries({ kind: "http" });
  assert.deepEqual([entry!.responseBody, entry!.responseBodyTruncated], ["a".repeat(4096), true]);
});

test("recording bodies, an answer streamed in pieces over time reaches the client whole and is kept whole", async (t) => {
  const piece = (i: number) => Buffer.alloc(100 * 1024, 0x30 + i);
  const backend = await startBackend(t, (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let i = 0;
    const next = () => {
      if (i === 5) return res.end();
      res.write(piece(i++));
      setTimeout(next, 10);
    };
    next();
  });
  const recording = await startServer(t, { journal: { bodies: true, maxBodySize: 1 << 20 } });
  recording.setRouteProxyResolver(() => backend.url);
  const whole = Buffer.concat([0, 1, 2, 3, 4].map(piece));
  const response = await fetch(`${recording.getUrl()}/stream`);
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(whole), "the client gets every piece, in order");
  await waitFor(() => recording.journal.entries({ kind: "http" })[0]?.responseBody !== undefined, "the recorded answer");
  const [entry] = recording.journal.entries({ kind: "http" });
  assert.equal(entry!.responseBodyTruncated, false);
  assert.equal(entry!.responseBody, whole.toString("utf8"));
});
