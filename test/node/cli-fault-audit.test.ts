import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { once } from "node:events";
import { test } from "node:test";
import type { AddressInfo } from "node:net";
import { crossipc } from "./_cli.ts";
import { startServer } from "./_helpers.ts";

test("crossipc fault sends the token as a header on every call, never in the URL (where logs and proxies keep it)", async (t) => {
  const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];
  // A stand-in hub that records what reaches it, as a logging proxy in front of the hub would.
  const hub = createServer((request, response) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers });
    request.resume();
    response.setHeader("content-type", "application/json");
    response.end(request.method === "POST" ? JSON.stringify({ id: "f1", match: { path: "/x" }, fault: { reset: true }, hits: 0 }) : JSON.stringify({ removed: 0, faults: [] }));
  }).listen(0, "127.0.0.1");
  t.after(() => hub.close());
  await once(hub, "listening");
  const port = String((hub.address() as AddressInfo).port);
  for (const args of [["--path", "/x", "--reset"], ["--clear"], ["--clear", "f1"], ["--list"]]) {
    const run = await crossipc(["fault", ...args, "--port", port, "--token", "s3cret-token"]);
    assert.equal(run.code, 0, run.stderr);
  }
  assert.deepEqual(seen.map((r) => r.method), ["POST", "DELETE", "DELETE", "GET"]);
  for (const request of seen) {
    assert.doesNotMatch(request.url ?? "", /s3cret/, `${request.method} ${request.url}`);
    assert.equal(request.headers.authorization, "Bearer s3cret-token");
  }
});

test("crossipc fault --clear of an unknown id says the hub has no such fault (it said the hub served no dashboard API)", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const run = await crossipc(["fault", "--clear", "f9-nothere", "--port", String(server.getPort())]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^crossipc fault: the hub at http:\/\/127\.0\.0\.1:\d+ answered 404: No fault with id 'f9-nothere'\n$/);
  const plain = await startServer(t, { dashboard: false });
  const none = await crossipc(["fault", "--clear", "--port", String(plain.getPort())]);
  assert.match(none.stderr, /serves no dashboard API/, "a server without the dashboard is still named as such");
});

test("a fault path pattern past the length limit is named as too long, not as empty", async (t) => {
  const server = await startServer(t);
  assert.throws(() => server.fault({ path: `/${"a".repeat(3000)}` }, { status: 500 }), /fault match path must be at most 2048 characters, got "\/aaa/);
  assert.throws(() => server.fault({ path: "" }, { status: 500 }), /fault match path must be a non-empty string/);
});
