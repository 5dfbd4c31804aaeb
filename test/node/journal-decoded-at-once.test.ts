/**
 * A gzip or deflate answer the proxy holds whole is in the journal decoded as soon as the client
 * has it: read at once with `toHAR()`, or over the journal's API by another request. On a Node
 * hub the decoding ran on the thread pool after the answer went out, and an entry read that soon
 * had no body (`content.text` missing, `content.size` the compressed bytes).
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import { startBackend, startServer } from "./_helpers.ts";

const TEXT = "hello ".repeat(5000);

function get(port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false, headers: { "accept-encoding": "gzip, deflate" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks)));
      })
      .on("error", reject);
  });
}

test("a compressed answer is in the journal decoded as soon as the client has it (toHAR and the API)", async (t) => {
  const encoded = { "/gzip": gzipSync(TEXT), "/deflate": deflateSync(TEXT) };
  const backend = await startBackend(t, (request, response) => {
    const body = encoded[request.url as keyof typeof encoded];
    response.writeHead(200, { "content-type": "text/plain", "content-encoding": request.url!.slice(1), "content-length": body.length });
    response.end(body);
  });
  const server = await startServer(t, { dashboard: true, journal: { bodies: true } });
  server.setRouteProxyResolver(() => backend.url);
  for (const path of ["/gzip", "/deflate"] as const) {
    for (let round = 0; round < 5; round++) {
      assert.deepEqual(await get(server.getPort(), path), encoded[path]);
      const entry = server.journal.toHAR().log.entries.at(-1)!;
      assert.ok(entry.response.content.text === TEXT, `${path} round ${round}: toHAR at once gave ${entry.response.content.text?.length} characters, size ${entry.response.content.size}`);
      assert.equal(entry.response.bodySize, encoded[path].length);
      assert.equal(entry.response.content.size, TEXT.length);
      assert.deepEqual(await get(server.getPort(), path), encoded[path]);
      const har = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har?path=${path}&limit=1`)).json()) as { log: { entries: Array<{ response: { content: { text?: string } } }> } };
      assert.ok(har.log.entries[0]!.response.content.text === TEXT, `${path} round ${round}: the API at once gave ${har.log.entries[0]!.response.content.text?.length} characters`);
    }
  }
});

// 249af71 awaits the decoding before the answer goes out: a decode that failed must not fail the answer.
test("a compressed answer that does not decode, or decodes past maxBodySize, reaches the client as sent and its entry keeps what decoded", async (t) => {
  const big = "0123456789".repeat(1_000_000); // 10 MB decoded, about 20 kB as gzip: held whole, decoded only up to the limit
  const encoded = { "/corrupt": Buffer.concat([gzipSync(TEXT).subarray(0, 40), Buffer.from("not gzip after all")]), "/big": gzipSync(big) };
  const backend = await startBackend(t, (request, response) => {
    const body = encoded[request.url as keyof typeof encoded];
    response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": body.length });
    response.end(body);
  });
  const server = await startServer(t, { journal: { bodies: true, maxBodySize: 1000 } });
  server.setRouteProxyResolver(() => backend.url);
  assert.deepEqual(await get(server.getPort(), "/corrupt"), encoded["/corrupt"]);
  const corrupt = server.journal.toHAR().log.entries.at(-1)!;
  assert.equal(corrupt.response.status, 200);
  assert.equal(corrupt.response.bodySize, encoded["/corrupt"].length);
  assert.ok(TEXT.startsWith(corrupt.response.content.text ?? ""), `what decoded before the bad bytes, at most: ${corrupt.response.content.text?.slice(0, 40)}`);
  assert.deepEqual(await get(server.getPort(), "/big"), encoded["/big"]);
  const cut = server.journal.toHAR().log.entries.at(-1)!;
  assert.equal(cut.response.content.text, big.slice(0, 1000));
  assert.equal(cut.response.bodySize, encoded["/big"].length);
});
