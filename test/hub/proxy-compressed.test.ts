/**
 * `crossipc hub --record` (the built CLI) under node, bun and deno proxying a service that
 * compresses its answers (node:zlib: gzip, deflate, br) when the client's `accept-encoding` allows.
 * Read with node:http, which decodes nothing: through every hub the client gets the service's
 * bytes as sent, with its `content-encoding` and `content-length` (SPEC §3: headers and body
 * streamed through), also for a HEAD, and a 304 stays a 304. The journal's HAR holds the decoded
 * text, with `bodySize` the bytes that went to the client (SPEC §11). Bun's hub sent decoded
 * answers (h3's `proxyRequest` over a decoding `fetch`) before `fetchAsSent`; Deno's, until its
 * upstream was `node:http` (Deno's `fetch` decodes every answer and has no switch to leave it).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import http, { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import zlib from "node:zlib";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import type { Har } from "../../src/har/types.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

const TEXT = JSON.stringify({ words: Array.from({ length: 200 }, (_, i) => `word ${i % 7}`) });
/** Compresses to more than one read's worth, for the streamed case. */
const LONG = Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join("\n");
const ENCODE: Record<string, (text: string) => Buffer> = {
  gzip: (text) => zlib.gzipSync(text),
  deflate: (text) => zlib.deflateSync(text),
  br: (text) => zlib.brotliCompressSync(text),
};

/** What a client that decodes nothing reads: status, headers and the bytes as they came. */
function raw(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: a compressed answer reaches the client as the service sent it, and the HAR holds it decoded`, async (t) => {
    const service = createServer((request, response) => {
      const url = new URL(request.url!, "http://service");
      if (url.pathname === "/zipped/etag" && request.headers["if-none-match"] === '"v1"') {
        response.writeHead(304, { etag: '"v1"' });
        return response.end();
      }
      if (url.pathname === "/zipped/stream") {
        // Unsized, in two writes: the hub streams it on instead of reading it whole.
        const zipped = ENCODE["gzip"]!(LONG);
        response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        response.write(zipped.subarray(0, 100));
        setTimeout(() => response.end(zipped.subarray(100)), 10);
        return;
      }
      const encoding = url.searchParams.get("encoding")!;
      // A service compresses only what the client said it can read.
      const accepted = (request.headers["accept-encoding"] ?? "").split(",").map((token) => token.trim()).includes(encoding);
      const body = accepted ? ENCODE[encoding]!(TEXT) : Buffer.from(TEXT);
      response.writeHead(200, { "content-type": "application/json", "content-length": body.length, ...(accepted ? { "content-encoding": encoding } : {}) });
      response.end(request.method === "HEAD" ? undefined : body);
    });
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    t.after(() => service.close());
    const servicePort = (service.address() as AddressInfo).port;

    const dir = mkdtempSync(join(tmpdir(), "crossipc-compressed-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1", `--allow-read=${dir}`, `--allow-write=${dir}`], ["--record", join(dir, "session.har")]);
    const client = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=compressing`);
    await once(client, "open");
    t.after(() => client.close());
    client.send(`r:1:discovery/register:${JSON.stringify([{ api: "zipped", baseUrl: `http://127.0.0.1:${servicePort}`, pathPrefix: "/zipped" }])}`);
    await once(client, "message");
    const hub = `http://127.0.0.1:${port}`;

    const sent: Record<string, Buffer> = {};
    for (const encoding of Object.keys(ENCODE)) {
      const answer = await raw(`${hub}/zipped/text?encoding=${encoding}`, "GET", { "accept-encoding": "gzip, deflate, br" });
      assert.equal(answer.status, 200);
      const expected = ENCODE[encoding]!(TEXT);
      assert.equal(answer.headers["content-encoding"], encoding, `${encoding}: content-encoding`);
      assert.equal(answer.headers["content-length"], String(expected.length), `${encoding}: content-length`);
      assert.ok(answer.body.equals(expected), `${encoding}: the service's ${expected.length} bytes, got ${answer.body.length}`);
      sent[encoding] = answer.body;

      const head = await raw(`${hub}/zipped/text?encoding=${encoding}`, "HEAD", { "accept-encoding": encoding });
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      assert.equal(head.headers["content-encoding"], encoding, `HEAD ${encoding}: content-encoding`);
      assert.equal(head.headers["content-length"], String(expected.length), `HEAD ${encoding}: content-length`);
    }

    // An unsized answer is streamed on, still as sent.
    const streamed = await raw(`${hub}/zipped/stream`, "GET", { "accept-encoding": "gzip" });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers["content-encoding"], "gzip", "streamed: content-encoding");
    assert.ok(streamed.body.equals(ENCODE["gzip"]!(LONG)), `streamed: the service's bytes, got ${streamed.body.length}`);

    // A client that asks for no encoding gets none: the hub adds no `accept-encoding` of its own.
    const plain = await raw(`${hub}/zipped/plain?encoding=gzip`, "GET", {});
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body.toString(), TEXT);

    const notModified = await raw(`${hub}/zipped/etag?encoding=gzip`, "GET", { "accept-encoding": "gzip", "if-none-match": '"v1"' });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, '"v1"');
    assert.equal(notModified.body.length, 0);

    // The journal copies a body as it streams to the client: its entry may be a moment behind.
    let entries: Har["log"]["entries"] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      const har = (await (await fetch(`${hub}/__crossipc/api/journal.har`)).json()) as Har;
      entries = har.log.entries.filter((entry) => entry.request.method === "GET" && entry.request.url.includes("/zipped/text"));
      if (entries.length === 3 && entries.every((entry) => entry.response.content.text !== undefined)) break;
      await sleep(50);
    }
    assert.equal(entries.length, 3);
    for (const entry of entries) {
      const encoding = new URL(entry.request.url).searchParams.get("encoding")!;
      const content = entry.response.content;
      if (encoding === "br") {
        // The journal decodes what DecompressionStream can on every runtime (Node 20's has no
        // brotli): a br body is kept as sent, and says so.
        assert.equal(content._contentEncoding, "br");
        assert.equal(content.text, sent.br!.toString("base64"));
      } else {
        assert.equal(content.text, TEXT, `${encoding}: the HAR holds the decoded text`);
        assert.equal(content._contentEncoding, undefined);
      }
      assert.equal(entry.response.bodySize, sent[encoding]!.length, `${encoding}: bodySize is the bytes sent`);
    }
  });
}
