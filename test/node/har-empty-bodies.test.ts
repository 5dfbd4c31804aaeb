/**
 * An answer with no body (a HEAD, a 204, a 304) is recorded alike whatever took it: a proxied
 * one and one from an intercept route, a remote mock or a replay all keep an empty body
 * (`content.text: ""` in a HAR). Before, only the proxy kept one; the others left `text` out, so
 * HAR → replay → record → HAR changed a recorded HEAD's content (SPEC §11 round trip).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

test("a bodiless answer keeps an empty body in the journal and the HAR, whatever took it", async (t) => {
  const backend = await startBackend(t, (request, response) => {
    response.writeHead(request.url === "/proxied/204" ? 204 : 200, { "content-type": "application/json", "x-from": "service" });
    response.end(request.method === "HEAD" || request.url === "/proxied/204" ? undefined : "{}");
  });
  const server = await startServer(t, { journal: { bodies: true } });
  server.setRouteProxyResolver((path) => (path.startsWith("/proxied") ? backend.url : null));
  server.interceptHttp("GET", "/own/204", () => new Response(null, { status: 204 }));
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.interceptRequest("GET", "/mock/204", () => new Response(null, { status: 204 }));

  await fetch(`${server.getUrl()}/proxied/head`, { method: "HEAD" });
  for (const path of ["/proxied/204", "/own/204", "/mock/204"]) await (await fetch(server.getUrl() + path)).arrayBuffer();
  const recorded = server.journal.toHAR();
  const replay = server.replay(recorded);
  t.after(() => replay.remove());
  await fetch(`${server.getUrl()}/proxied/head`, { method: "HEAD" });
  await (await fetch(`${server.getUrl()}/proxied/204`)).arrayBuffer();

  const entries = server.journal.toHAR().log.entries;
  const contents = entries.map((e) => [e.request.method, new URL(e.request.url).pathname, e._crossipc?.takenBy, e.response.content.text, e.response.content.size]);
  assert.deepEqual(contents, [
    ["HEAD", "/proxied/head", "proxy", "", 0],
    ["GET", "/proxied/204", "proxy", "", 0],
    ["GET", "/own/204", "intercept", "", 0],
    ["GET", "/mock/204", "mock", "", 0],
    ["HEAD", "/proxied/head", "replay", "", 0],
    ["GET", "/proxied/204", "replay", "", 0],
  ]);
  assert.deepEqual(entries[4]!.response.content, entries[0]!.response.content, "the replayed HEAD's content is the recorded one");
});
