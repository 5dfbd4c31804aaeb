/**
 * Large request bodies on a replayed path: they are compared with the recording without holding
 * the hub. Keying a binary body used to cost ~1 s per MiB of blocked event loop, long enough for
 * a backend's keep-alive to expire under the hub's pooled connection (the upload then failed
 * with ECONNRESET) and for every WebSocket on the hub to miss its heartbeat.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { HarEntry } from "../../adapters/node.ts";
import { har, harEntry } from "./_harEntry.ts";
import { startBackend, startServer } from "./_helpers.ts";

const MiB = 1024 * 1024;

/** A recorded POST of `path` with a binary request body, answered with `answer`. */
function binaryEntry(path: string, requestBody: Buffer, answer: string): HarEntry {
  const entry = harEntry("POST", path, 200, answer);
  entry.request.postData = { mimeType: "application/octet-stream", text: requestBody.toString("base64"), _encoding: "base64" };
  return entry;
}

/** A hub proxying to a backend that answers with the length of the body it got. */
async function hubToCountingBackend(t: Parameters<typeof startServer>[0]) {
  const backend = await startBackend(t, async (req, res) => {
    let length = 0;
    for await (const chunk of req) length += (chunk as Buffer).length;
    res.end(`backend got ${length} bytes`);
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  return server;
}

/** Binary (not JSON-looking) bytes: a first byte of 0x07 and a pattern after it. */
function bytes(length: number, seed: number): Buffer<ArrayBuffer> {
  const buffer = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buffer[i] = (i * 31 + seed) & 0xff;
  buffer[0] = 0x07;
  return buffer;
}

test("a recorded binary upload of 1 MiB is matched byte for byte; one byte different is handed on", async (t) => {
  const server = await hubToCountingBackend(t);
  const recorded = bytes(MiB, 1);
  const replay = server.replay(har(binaryEntry("/upload", recorded, "from the recording")));
  const post = async (body: Buffer<ArrayBuffer>) => (await fetch(`${server.getUrl()}/upload`, { method: "POST", body })).text();

  assert.equal(await post(recorded), "from the recording");
  const changed = Buffer.from(recorded);
  changed[changed.length - 1]! ^= 1;
  assert.equal(await post(changed), `backend got ${MiB} bytes`);
  assert.deepEqual([replay.matched, replay.missed], [1, 1]);
});

test("an upload of many MiB to a replayed path is handed on whole without holding the hub's event loop", async (t) => {
  const server = await hubToCountingBackend(t);
  // Two replays, as a user layering recordings would: each looks the body up.
  const older = server.replay(har(binaryEntry("/upload", bytes(1024, 2), "older")));
  const newer = server.replay(har(binaryEntry("/upload", bytes(1024, 3), "newer")));
  const big = bytes(8 * MiB, 4);

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const answer = await (await fetch(`${server.getUrl()}/upload`, { method: "POST", body: big })).text();
  delay.disable();

  assert.equal(answer, `backend got ${big.length} bytes`);
  assert.deepEqual([older.missed, newer.missed], [1, 1]);
  // Keying 8 MiB byte by byte held the loop for 5 s and more; reading and forwarding it takes
  // milliseconds. A second leaves room for a loaded machine.
  const heldMs = delay.max / 1e6;
  assert.ok(heldMs < 1000, `the hub's event loop was held for ${heldMs.toFixed(0)} ms`);
});
