/**
 * A request body that a rule read (a remote mock's, or the hub's own `interceptHttp`) was kept in
 * the journal as text decoded from its bytes: bytes that are not UTF-8 became U+FFFD, so the HAR
 * held other bytes than the client sent, and a replay of it matched nothing the client sends.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../src/index.ts";
import { startServer } from "./_helpers.ts";

const BINARY = Uint8Array.from([0, 1, 0xff, 0xfe, 0x80, 0xc3, 10]);

test("a binary request body a rule read is journaled byte for byte", async (t) => {
  const server = await startServer(t, { journal: { bodies: true } });
  const seen: Record<string, number> = {};
  server.interceptHttp("POST", "/local", (body) => {
    seen.local = typeof body === "string" ? body.length : -1;
    return { ok: true };
  });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.interceptRequest("POST", "/remote", async (request) => {
    seen.remote = (await request.arrayBuffer()).byteLength;
    return new Response("ok");
  });

  for (const path of ["/local", "/remote"]) {
    const response = await fetch(`${server.getUrl()}${path}`, { method: "POST", body: BINARY, headers: { "content-type": "application/octet-stream" } });
    assert.equal(response.status, 200, path);
    await response.arrayBuffer();
  }
  // The handlers got what they get (the intercept a text, the remote mock the bytes).
  assert.equal(seen.remote, BINARY.byteLength);
  assert.ok(seen.local! > 0);

  for (const path of ["/local", "/remote"]) {
    const entry = server.journal.toHAR({ path }).log.entries[0]!;
    assert.equal(entry.request.postData?._encoding, "base64", path);
    assert.deepEqual(new Uint8Array(Buffer.from(entry.request.postData!.text!, "base64")), BINARY, path);
    assert.equal(entry.request.bodySize, BINARY.byteLength, path);
  }
});
