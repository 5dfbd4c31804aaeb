/**
 * Request bodies past what the hub reads, on Node, Bun and Deno hubs
 * (test/fixtures/body-limits-hub.ts: `maxMessageSize` 1 MiB, so rules read up to 737,280 bytes and
 * intercept routes up to 1,048,576):
 * - A replay with `onMiss: "next"` (SPEC §11) that meets a body over the rules' limit. It read the
 *   body, kept none of it, and handed the request on with no body and the client's content-length:
 *   the service got an empty or cut body. Now a body sent with its content-length is not read and
 *   goes on whole; a chunked one (the replay has to read it to compare) is answered 413 naming
 *   `maxMessageSize`, and the service never sees it. Replays of the hub (`server.replay`), of a
 *   connection (`mocks.replay`) and of a scope (`scope.replay`).
 * - Intercept routes (`interceptHttp`, `interceptRequest`) read any body whole, unbounded: now at
 *   most `maxMessageSize`, `413` naming it past that, announced by content-length or chunked.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { postRecording } from "../fixtures/_postRecording.ts";
import { chunked } from "../fixtures/_chunkedBody.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const KiB = 1024;
/** Over what the rules read (737,280 bytes), under the intercept routes' limit. */
const OVER_RULES = 800 * KiB;
/** Over the intercept routes' limit (1 MiB). */
const OVER_ROUTES = 1100 * KiB;

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a body over what the hub reads is handed on whole or refused 413, never emptied`, { timeout: 120_000 }, async (t) => {
    const received: Array<{ path: string; length: number; sha: string }> = [];
    const backend = createServer((req, res) => {
      const hash = createHash("sha256");
      let length = 0;
      req.on("data", (chunk: Buffer) => {
        length += chunk.length;
        hash.update(chunk);
      });
      req.on("end", () => {
        received.push({ path: req.url!, length, sha: hash.digest("hex") });
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ backend: true, length }));
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    t.after(() => backend.close());
    const hub = start(runtime, "test/fixtures/body-limits-hub.ts", [`http://127.0.0.1:${(backend.address() as AddressInfo).port}`]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    const scope = mocks.scope();
    await mocks.replay(postRecording("/svc/mocks-replayed", "order 42", "mocks replay"));
    await scope.replay(postRecording("/svc/scope-replayed", "order 42", "scope replay"));

    const post = async (path: string, body: Uint8Array, how: "length" | "chunked", headers: Record<string, string> = {}) => {
      const init: RequestInit & { duplex?: "half" } = { method: "POST", headers: { "content-type": "text/plain", ...headers } };
      if (how === "length") init.body = body as Uint8Array<ArrayBuffer>;
      else {
        init.body = chunked(body);
        init.duplex = "half";
      }
      const response = await fetch(url + path, init);
      const text = await response.text();
      const json = response.headers.get("content-type")?.includes("json") === true;
      return { status: response.status, body: (json ? JSON.parse(text) : { text }) as { length?: number; backend?: boolean; error?: string; text?: string } };
    };

    for (const [path, headers] of [["/svc/hub-replayed", {}], ["/svc/mocks-replayed", {}], ["/svc/scope-replayed", scope.headers]] as const) {
      // The recording still answers, and a small body it does not hold goes on whole.
      assert.deepEqual(await post(path, bytes(8, 1, "order 42"), "length", headers), { status: 200, body: { text: path.slice(5).replace("-replayed", " replay") } }, path);
      const small = bytes(10 * KiB, 2);
      assert.deepEqual(await post(path, small, "chunked", headers), { status: 200, body: { backend: true, length: small.length } }, path);

      // Over the rules' limit, with its content-length: not read, handed on whole.
      const big = bytes(OVER_RULES, 3);
      const before = received.length;
      assert.deepEqual(await post(path, big, "length", headers), { status: 200, body: { backend: true, length: big.length } }, `${path}: content-length`);
      assert.deepEqual(received.slice(before), [{ path, length: big.length, sha: sha(big) }], `${path}: the service got the body whole`);

      // Chunked: read to compare, so it cannot go on whole: 413 naming the option, and the service sees nothing.
      const refused = await post(path, big, "chunked", headers);
      assert.equal(refused.status, 413, `${path}: chunked: ${JSON.stringify(refused.body)}`);
      assert.match(refused.body.error!, /^The request body \(819200 bytes\) is over the 737280-byte limit of what the hub reads for its mocks and replays \(maxMessageSize\): a replay read it/);
      assert.equal(received.length, before + 1, `${path}: the service got no request for the refused body`);
    }

    for (const path of ["/intercept", "/intercept-request"]) {
      const within = bytes(OVER_RULES, 4);
      assert.deepEqual(await post(path, within, "length"), { status: 200, body: { length: within.length } }, path);
      assert.deepEqual(await post(path, within, "chunked"), { status: 200, body: { length: within.length } }, `${path}: chunked`);
      const over = bytes(OVER_ROUTES, 5);
      const declared = await post(path, over, "length");
      assert.equal(declared.status, 413, `${path}: ${JSON.stringify(declared.body)}`);
      assert.equal(declared.body.error, `The request body (${over.length} bytes) is over the 1048576-byte limit of what the server reads for an intercept route (maxMessageSize)`);
      const streamed = await post(path, over, "chunked");
      assert.equal(streamed.status, 413, `${path}: chunked: ${JSON.stringify(streamed.body)}`);
      assert.match(streamed.body.error!, /^The request body \(\d+ bytes( so far)?\) is over the 1048576-byte limit of what the server reads for an intercept route \(maxMessageSize\)$/);
      // The hub answers on after each.
      assert.deepEqual(await post(path, bytes(10, 6), "length"), { status: 200, body: { length: 10 } }, `${path}: after`);
    }

    await mocks.close();
    assert.deepEqual(await stopHub(hub), []);
  });
}

/** `length` bytes of printable text (a body the intercept routes read as text), or `text` itself. */
function bytes(length: number, seed: number, text?: string): Uint8Array {
  if (text !== undefined) return new TextEncoder().encode(text);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = 97 + ((i * 7 + seed) % 26);
  return out;
}

function sha(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}
