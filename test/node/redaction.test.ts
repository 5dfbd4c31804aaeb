/**
 * Secrets in the journal: credential headers and token query parameters read `[redacted]`
 * wherever entries are read (SPEC §11), headers are kept in null-prototype records, and two
 * `Set-Cookie` headers are both kept.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { IPCServer, INTERNAL_SOCKET_PATH, type JournalEntry } from "../../adapters/node.ts";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

const SECRET_HEADERS = {
  authorization: "Bearer s3cret-auth",
  "proxy-authorization": "Basic s3cret-proxy",
  cookie: "session=s3cret-cookie",
  "x-signing-key": "s3cret-key",
  "x-trace": "visible",
};

async function cookieBackend(t: { after(fn: () => unknown): void }) {
  return startBackend(t, (_req, res) => {
    res.setHeader("set-cookie", ["a=s3cret-one; Path=/", "b=s3cret-two; Path=/"]);
    res.setHeader("content-type", "application/json");
    res.end("{}");
  });
}

test("credential headers and token query values read [redacted] in entries, get, waitFor, onEntry and the dashboard API", async (t) => {
  const backend = await cookieBackend(t);
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver((path) => (path.startsWith("/api/") ? backend.url : undefined));
  const live: JournalEntry[] = [];
  const stop = server.journal.onEntry((entry) => live.push(entry));
  t.after(stop);
  const waited = server.journal.waitFor({ path: "/api/*" }, 5000);

  const url = `${server.getUrl()}/api/items?%74oken=s3cret-q1&access_token=s3cret-q2&Token=s3cret-q3&page=2`;
  assert.equal((await fetch(url, { headers: SECRET_HEADERS })).status, 200);

  const check = (entry: JournalEntry | undefined, where: string) => {
    assert.ok(entry, where);
    const text = JSON.stringify(entry);
    assert.doesNotMatch(text, /s3cret-(auth|proxy|cookie|one|two|q1|q2|q3)/, `${where}: ${text}`);
    assert.equal(entry.requestHeaders!["authorization"], "[redacted]", where);
    assert.equal(entry.requestHeaders!["proxy-authorization"], "[redacted]", where);
    assert.equal(entry.requestHeaders!["cookie"], "[redacted]", where);
    assert.equal(entry.responseHeaders!["set-cookie"], "[redacted]", where);
    assert.equal(entry.requestHeaders!["x-signing-key"], "s3cret-key", `${where}: not a default name`);
    assert.equal(entry.requestHeaders!["x-trace"], "visible", where);
    assert.equal(entry.path, "/api/items?%74oken=[redacted]&access_token=[redacted]&Token=[redacted]&page=2", where);
    assert.equal(entry.target, `${backend.url}/api/items?%74oken=[redacted]&access_token=[redacted]&Token=[redacted]&page=2`, where);
  };
  const [entry] = server.journal.entries({ path: "/api/*" });
  check(entry, "entries()");
  check(server.journal.get(entry!.id), "get()");
  check(await waited, "waitFor()");
  await waitFor(() => live.length > 0, "onEntry");
  check(live[0], "onEntry()");
  const api = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal`)).json()) as { entries: JournalEntry[] };
  check(api.entries.find((e) => e.id === entry!.id), "/__crossipc/api/journal");
  check((await (await fetch(`${server.getUrl()}/__crossipc/api/journal/${entry!.id}`)).json()) as JournalEntry, "/__crossipc/api/journal/<id>");

  // A filter cannot be used to guess a redacted value.
  assert.deepEqual(server.journal.entries({ path: "*s3cret-q1*" }), []);
  assert.deepEqual(server.journal.entries({ path: /s3cret/ }), []);
});

test("journal.redact adds names; redact: false shows every value, both Set-Cookie headers included", async (t) => {
  const backend = await cookieBackend(t);
  const more = await startServer(t, { journal: { redact: ["X-Signing-Key", "session_id"] } });
  const open = await startServer(t, { journal: { redact: false } });
  for (const server of [more, open]) server.setRouteProxyResolver(() => backend.url);
  await fetch(`${more.getUrl()}/x?session_id=s3cret-sid&token=s3cret-q`, { headers: SECRET_HEADERS });
  await fetch(`${open.getUrl()}/x?session_id=s3cret-sid&token=s3cret-q`, { headers: SECRET_HEADERS });

  const [added] = more.journal.entries();
  assert.equal(added!.requestHeaders!["x-signing-key"], "[redacted]");
  assert.equal(added!.requestHeaders!["authorization"], "[redacted]", "the defaults stay");
  assert.equal(added!.path, "/x?session_id=[redacted]&token=[redacted]");

  const [shown] = open.journal.entries();
  assert.equal(shown!.requestHeaders!["authorization"], "Bearer s3cret-auth");
  assert.equal(shown!.requestHeaders!["cookie"], "session=s3cret-cookie");
  assert.equal(shown!.responseHeaders!["set-cookie"], "a=s3cret-one; Path=/\nb=s3cret-two; Path=/");
  assert.equal(shown!.path, "/x?session_id=s3cret-sid&token=s3cret-q");

  assert.throws(() => new IPCServer(0, { journal: { redact: "authorization" as never } }), /journal\.redact must be an array/);
});

test("the framework path's token is never journaled, even spelt %74oken and with redact: false", async (t) => {
  const server = await startServer(t, { accessToken: "hub-s3cret", journal: { redact: false } });
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}${INTERNAL_SOCKET_PATH}?runtimeId=w&%74oken=hub-s3cret`);
  await once(ws, "open");
  t.after(() => ws.close());
  await fetch(`${server.getUrl()}${INTERNAL_SOCKET_PATH}?%74oken=hub-s3cret`);
  const text = JSON.stringify(server.journal.entries());
  assert.doesNotMatch(text, /hub-s3cret/, text);
  assert.match(text, /%74oken=\[redacted\]/);
});

test("a proxied WebSocket's target and path keep no token", async (t) => {
  const upstream = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(upstream, "listening");
  t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  upstream.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live?token=s3cret-ws&room=1`);
  await once(ws, "open");
  ws.close();
  const [entry] = server.journal.entries({ kind: "websocket" });
  assert.equal(entry!.path, "/live?token=[redacted]&room=1");
  assert.match(entry!.target!, /\/live\?token=\[redacted\]&room=1$/);
});

test("with redact: false a proxied WebSocket's path and target keep their query as sent", async (t) => {
  const upstream = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(upstream, "listening");
  t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const server = await startServer(t, { journal: { redact: false } });
  server.setRouteProxyResolver(() => `http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live?token=shown&room=1`);
  await once(ws, "open");
  ws.close();
  const [entry] = server.journal.entries({ kind: "websocket" });
  assert.equal(entry!.path, "/live?token=shown&room=1");
  assert.match(entry!.target!, /\/live\?token=shown&room=1$/);
});

test("headers named __proto__ and constructor are kept as headers in entries", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/h", () => ({ ok: true }));
  const socket = connect(server.getPort(), "127.0.0.1");
  await once(socket, "connect");
  socket.write("GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\n__proto__: evil\r\nconstructor: c\r\nConnection: close\r\n\r\n");
  socket.resume();
  await once(socket, "close");
  const [entry] = server.journal.entries();
  const headers = entry!.requestHeaders!;
  assert.equal(Object.getPrototypeOf(headers), null);
  assert.equal(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value, "evil");
  assert.equal(headers["constructor"], "c");
  assert.equal(typeof server.journal.entries()[0]!.responseHeaders!["constructor"], "undefined", "no inherited members");
});
