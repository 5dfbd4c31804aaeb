/**
 * The hub does not proxy TRACE (its answer would echo the request's headers, cookies among them):
 * 405 with Allow, journaled, and the backend never sees it; an intercept route of the hub's own
 * still answers a TRACE, as the README says. The hub on Bun and Deno: test/hardening/http.ts.
 */
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

/** A TRACE sent with `node:http` (`fetch` may not send one): status, headers and body. */
function trace(url: string): Promise<{ status: number; allow: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: "TRACE", headers: { cookie: "session=secret" } }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, allow: response.headers.allow, body }));
    });
    sent.on("error", reject);
    sent.end();
  });
}

test("a proxied TRACE answers 405 and never reaches the backend; an intercept route still answers one", async (t) => {
  const seen: string[] = [];
  const backend = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end(JSON.stringify(req.headers));
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  t.after(() => backend.close());
  const server = await startServer(t);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
  server.interceptHttp("TRACE", "/own", () => ({ traced: true }));

  const proxied = await trace(`${server.getUrl()}/svc/a`);
  assert.equal(proxied.status, 405);
  assert.equal(proxied.allow, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  assert.match(proxied.body, /TRACE is not proxied/);
  assert.doesNotMatch(proxied.body, /secret/);
  assert.deepEqual(seen, []);
  const entry = server.journal.entries({ path: "/svc/a" }).at(-1)!;
  assert.deepEqual([entry.status, entry.takenBy], [405, "proxy"]);
  assert.match(entry.error!, /TRACE is not proxied/);

  const own = await trace(`${server.getUrl()}/own`);
  assert.deepEqual([own.status, JSON.parse(own.body)], [200, { traced: true }]);
  // Other methods still go through.
  assert.equal((await fetch(`${server.getUrl()}/svc/b`, { method: "PUT", body: "x" })).status, 200);
  assert.deepEqual(seen, ["PUT /svc/b"]);
});
