/**
 * Credentials a URL carries outside its query: a path parameter (`;jsessionid=`, a matrix
 * parameter `;token=`), a URL in any header (`x-forwarded-uri`, `refresh`, `link`), and a
 * WebSocket's subprotocols, where a browser can only put a bearer token (Kubernetes'
 * `base64url.bearer.authorization.k8s.io.<token>`, or `access_token, <token>`).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { redactionOf, redactUrl } from "../../src/server/_redact.ts";
import { startBackend, startServer } from "./_helpers.ts";

test("a path parameter under a secret name (;jsessionid=, ;token=) reads [redacted] in the path, the url, the HAR and the dashboard's API; the rest of the path stays", async (t) => {
  for (const redact of [undefined, false] as const) {
    const server = await startServer(t, { journal: redact === false ? { redact: false } : {} });
    server.interceptRequest("GET", "/cart", () => new Response("ok"));
    const path = "/cart;jsessionid=S3CRET-JSESSION;color=red;Token=s3cret-matrix?q=1;JSESSIONID=s3cret-q;lang=en&page=2";
    const response = await fetch(`${server.getUrl()}${path}`);
    await response.text();
    await server.journal.waitFor({ method: "GET" }, 2000);
    const [entry] = server.journal.entries();
    const har = JSON.stringify(server.journal.toHAR());
    const api = await (await fetch(`${server.getUrl()}/__crossipc/api/journal`)).text();
    if (redact === false) {
      assert.equal(entry!.path, path);
      assert.match(har, /S3CRET-JSESSION/);
      continue;
    }
    const shown = "/cart;jsessionid=[redacted];color=red;Token=[redacted]?q=1;JSESSIONID=[redacted];lang=en&page=2";
    assert.equal(entry!.path, shown);
    assert.equal(entry!.url, `${server.getUrl()}${shown}`);
    assert.doesNotMatch(har, /s3cret/i);
    assert.match(har, /"url":"http:\/\/127\.0\.0\.1:\d+\/cart;jsessionid=\[redacted\];color=red;/);
    assert.doesNotMatch(api, /s3cret/i);
    assert.match(api, /jsessionid=\[redacted\];color=red/);
  }
});

test("a query token in a URL of any header (x-forwarded-uri, refresh, link, content-location) reads [redacted]; other values are kept byte for byte", async (t) => {
  const server = await startServer(t);
  server.interceptRequest("GET", "/page", () => new Response("ok", {
    headers: {
      refresh: "0; url=https://127.0.0.1/next?token=s3cret-refresh&step=2",
      link: '<https://127.0.0.1/n?access_token=s3cret-link&page=2>; rel="next", <https://127.0.0.1/p;jsessionid=s3cret-linkj>; rel="prev"',
      "content-location": "/page?api_key=s3cret-cl",
      "content-type": "text/plain; charset=utf-8",
    },
  }));
  const response = await fetch(`${server.getUrl()}/page`, { headers: { "x-forwarded-uri": "/app;jsessionid=s3cret-fwdj/x?token=s3cret-fwd&y=1", "x-note": "a=b; c=d?e=f" } });
  await response.text();
  await server.journal.waitFor({ path: "/page" }, 2000);
  const [entry] = server.journal.entries({ path: "/page" });
  assert.equal(entry!.requestHeaders!["x-forwarded-uri"], "/app;jsessionid=[redacted]/x?token=[redacted]&y=1");
  assert.equal(entry!.requestHeaders!["x-note"], "a=b; c=d?e=f");
  assert.equal(entry!.responseHeaders!["refresh"], "0; url=https://127.0.0.1/next?token=[redacted]&step=2");
  assert.equal(entry!.responseHeaders!["link"], '<https://127.0.0.1/n?access_token=[redacted]&page=2>; rel="next", <https://127.0.0.1/p;jsessionid=[redacted]>; rel="prev"');
  assert.equal(entry!.responseHeaders!["content-location"], "/page?api_key=[redacted]");
  assert.equal(entry!.responseHeaders!["content-type"], "text/plain; charset=utf-8");
  assert.doesNotMatch(JSON.stringify(server.journal.toHAR()), /s3cret/);
});

test("a bearer token in Sec-WebSocket-Protocol (Kubernetes' bearer subprotocol, or access_token then the token) reads [redacted]; the other subprotocols stay", async (t) => {
  const upstream = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (protocols) => [...protocols].at(-1)! });
  await once(upstream, "listening");
  t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
  const offers = [
    ["base64url.bearer.authorization.k8s.io.czNjcmV0LWs4cw", "base64.binary.k8s.io"],
    ["access_token", "s3cret-wstoken", "graphql-ws"],
  ];
  for (const [i, protocols] of offers.entries()) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live${i}`, protocols);
    await once(ws, "open");
    ws.close();
    await once(ws, "close");
  }
  const shown = (i: number) => server.journal.entries({ kind: "websocket", path: `/live${i}` })[0]!.requestHeaders!["sec-websocket-protocol"];
  assert.equal(shown(0), "base64url.bearer.authorization.k8s.io.[redacted],base64.binary.k8s.io", "as ws sends it, no space");
  assert.equal(shown(1), "access_token,[redacted],graphql-ws");
  assert.doesNotMatch(JSON.stringify(server.journal.toHAR()), /s3cret|czNjcmV0/);
});

test("path parameters cost what the path's length does, however many ; it holds", () => {
  const redaction = redactionOf(undefined);
  for (const path of ["/a" + ";".repeat(1_000_000), "/a" + ";x".repeat(500_000) + "=1", "/a;" + "x".repeat(1_000_000), "/a" + ";jsessionid=1".repeat(100_000)]) {
    const start = performance.now();
    const shown = redactUrl(path, redaction)!;
    const ms = performance.now() - start;
    // Not a speed check: a walk that went back over the path for each `;` would take minutes on
    // these (about a second at most, measured at load 14-21); the bound only catches that.
    assert.ok(ms < 10_000, `${ms.toFixed(0)} ms for ${path.length} characters`);
    assert.ok(!shown.includes("jsessionid=1"));
  }
});

test("a recording whose paths read ;jsessionid=[redacted] replays a request with another session id; other path parameters still have to be equal", async (t) => {
  const backend = await startBackend(t, (request, response) => response.end(`answer for ${request.url!.replace(/jsessionid=[^;/?]*/, "")}`));
  const recorder = await startServer(t, { journal: { bodies: true } });
  recorder.setRouteProxyResolver(() => backend.url);
  const live = await (await fetch(`${recorder.getUrl()}/cart;jsessionid=S3CRET-OLD;view=full/items?page=2`)).text();
  const har = recorder.journal.toHAR();
  assert.doesNotMatch(JSON.stringify(har), /S3CRET/);

  const replayer = await startServer(t);
  const replay = replayer.replay(har, { onMiss: "404" });
  const again = await fetch(`${replayer.getUrl()}/cart;jsessionid=NEW-SESSION;view=full/items?page=2`);
  assert.equal(again.status, 200, await again.clone().text());
  assert.equal(await again.text(), live);
  assert.equal(replay.matched, 1);
  const other = await fetch(`${replayer.getUrl()}/cart;jsessionid=NEW-SESSION;view=short/items?page=2`);
  assert.equal(other.status, 404);
  assert.doesNotMatch(await other.text(), /NEW-SESSION/, "the 404 quotes the path redacted");
});

test("the hub's own 404 for a path with ;jsessionid= quotes it redacted, so the journal's body and the HAR hold no session", async (t) => {
  const server = await startServer(t, { journal: { bodies: true } });
  const response = await fetch(`${server.getUrl()}/nowhere;jsessionid=S3CRET-404/x`);
  assert.equal(response.status, 404);
  assert.match(await response.text(), /No route for GET \/nowhere;jsessionid=\[redacted\]\/x!/);
  assert.doesNotMatch(JSON.stringify(server.journal.toHAR()), /S3CRET/);
});
