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
