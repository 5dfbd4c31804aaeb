/**
 * A remote mock's answer carries no content-length (the runtime frames the body), so its journal
 * entry, the dashboard's size column and the HAR's bodySize said nothing for every mocked request.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../src/index.ts";
import { startServer } from "./_helpers.ts";

test("a remote mock's answer is journaled with the bytes it sent", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/json", () => ({ b: 2 }));
  await mocks.interceptRequest("GET", "/text", () => new Response("héllo"));
  await mocks.interceptRequest("GET", "/bytes", () => new Response(new Uint8Array([0, 255, 1])));
  await mocks.interceptRequest("GET", "/empty", () => new Response(null, { status: 204 }));
  const sent: Record<string, number> = {};
  for (const path of ["/json", "/text", "/bytes", "/empty"]) sent[path] = (await (await fetch(`${server.getUrl()}${path}`)).arrayBuffer()).byteLength;
  assert.deepEqual(sent, { "/json": 7, "/text": 6, "/bytes": 3, "/empty": 0 });
  const sizes = Object.fromEntries(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.responseSize]));
  assert.deepEqual(sizes, sent);
  const har = server.journal.toHAR({ path: "/json" });
  assert.equal(har.log.entries[0]!.response.bodySize, 7);
});
