/**
 * Proxied answers without a length (chunked), on every runtime's hub. A Bun hub sends such an
 * answer whole when `fetch` already holds all of it, and re-streams it otherwise
 * (src/server/_wholeIfArrived.ts): the client must get every byte either way, and a stream whose
 * next part the service has not sent yet must reach the client as it streams, not once it ends
 * (an event stream's first event arrives while the service still holds the second).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

/** 700,000 bytes: past the 256 KiB an answer may be held whole, so it goes out re-streamed. */
const BIG = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 7) & 255));
const PARTS = Array.from({ length: 50 }, (_, i) => `part ${i};`);
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Lets the event stream's second event go: the test calls it once it has read the first. */
let releaseSecond: () => void = () => {};

const service = http.createServer((request, response) => {
  // No content-length on any of them: node:http sends them chunked.
  response.writeHead(200, { "content-type": request.url!.endsWith("/events") ? "text/event-stream" : "application/octet-stream" });
  if (request.url!.endsWith("/small")) response.end("hello chunked");
  else if (request.url!.endsWith("/parts")) {
    for (const part of PARTS) response.write(part);
    response.end();
  } else if (request.url!.endsWith("/big")) response.end(BIG);
  else {
    response.write("data: one\n\n");
    new Promise<void>((resolve) => (releaseSecond = resolve)).then(() => response.end("data: two\n\n"));
  }
});
await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
const serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
test.after(() => {
  service.closeAllConnections();
  service.close();
});

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: chunked proxied answers arrive whole, and one still being sent arrives as it streams`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/server.ts", ["--backend", serviceUrl]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const base = `http://127.0.0.1:${port}/backend`;

    const small = await fetch(`${base}/small`);
    assert.equal(small.status, 200);
    assert.equal(await small.text(), "hello chunked");
    const parts = await fetch(`${base}/parts`);
    assert.equal(await parts.text(), PARTS.join(""));
    const big = await fetch(`${base}/big`);
    const bigBody = new Uint8Array(await big.arrayBuffer());
    assert.equal(bigBody.byteLength, BIG.byteLength);
    assert.equal(sha(bigBody), sha(BIG));

    // The service sends the second event only after the client has read the first: a hub that
    // held the answer until it ended would never pass the first on (the test would time out here).
    const events = await fetch(`${base}/events`);
    assert.equal(events.status, 200);
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes("data: one\n\n")) {
      const { done, value } = await reader.read();
      assert.ok(!done, `the event stream ended before its first event: ${JSON.stringify(seen)}`);
      seen += decoder.decode(value, { stream: true });
    }
    assert.equal(seen, "data: one\n\n");
    releaseSecond();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    assert.equal(seen, "data: one\n\ndata: two\n\n");
    assert.deepEqual(await stopHub(hub), []);
  });
}
