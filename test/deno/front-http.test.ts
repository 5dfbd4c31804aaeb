/**
 * Request bodies through the Deno hub's front (adapters/_deno-front.ts) to a proxied backend,
 * byte for byte, from many connections at once, new ones and kept-alive ones: the front reads
 * each client's bytes into a buffer of its own, reused from read to read, and writes each read
 * on (what a write does not take, after it). A buffer shared by two connections, or a read
 * overwriting bytes not yet written, would change what the backend reads.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { Deno, startServer } from "./_deno.ts";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Bytes that differ from one offset to the next (`seed` tells bodies apart). */
function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed) % 251;
  return bytes;
}

/** One POST on a connection of its own (`Connection: close`); resolves with the backend's `<length>:<sha256>`, else all that came. */
function postAlone(port: number, body: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const received: Uint8Array[] = [];
    socket.on("data", (chunk: Uint8Array) => received.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      // The answer's `<length>:<sha256>`, however it was framed (Deno.serve sends it chunked).
      const text = new TextDecoder("latin1").decode(Buffer.concat(received));
      resolve(/\r\n\r\n(?:[0-9a-f]+\r\n)?(\d+:[0-9a-f]{64})/.exec(text)?.[1] ?? text);
    });
    socket.write(`POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body);
  });
}

Deno.test("bodies from connections that come and go at once reach the backend whole, each its own", async () => {
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const body = new Uint8Array(await request.arrayBuffer());
    return new Response(`${body.length}:${sha(body)}`);
  });
  const server = await startServer();
  server.setRouteProxyResolver(() => `http://127.0.0.1:${backend.addr.port}`);
  try {
    // Three waves of twelve connections: each wave's buffers are taken again by the next.
    for (let wave = 0; wave < 3; wave++) {
      const bodies = Array.from({ length: 12 }, (_, i) => pattern(150 * 1024 + 997 * i, wave * 12 + i));
      const answers = await Promise.all(bodies.map((body) => postAlone(server.getPort(), body)));
      assert.deepEqual(answers, bodies.map((body) => `${body.length}:${sha(body)}`));
    }
    // Keep-alive clients alongside new connections.
    const kept = Array.from({ length: 4 }, (_, i) => pattern(300 * 1024 + i, 100 + i));
    const both = await Promise.all([
      ...kept.map(async (body) => (await fetch(`${server.getUrl()}/api/upload`, { method: "POST", body })).text()),
      ...kept.map((body) => postAlone(server.getPort(), body.subarray(1))),
    ]);
    assert.deepEqual(both, [...kept.map((body) => `${body.length}:${sha(body)}`), ...kept.map((body) => `${body.length - 1}:${sha(body.subarray(1))}`)]);
  } finally {
    await server.teardown();
    await backend.shutdown();
  }
});
