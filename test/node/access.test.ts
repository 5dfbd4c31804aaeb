/**
 * Who may reach what: the Host check on every request and upgrade (DNS rebinding), the dashboard
 * key that keeps pages served through the hub out of `/__crossipc/`, options that would open the
 * hub to strangers, and the caps on what a caller controls.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type net from "node:net";
import { WebSocketServer } from "ws";
import { IPCClient, IPCServer, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { rejection, startBackend, startServer, waitFor } from "./_helpers.ts";
import { request, restOf, stalledStream, upgrade } from "../fixtures/_access.ts";

/** A backend that counts every request and upgrade it sees. */
async function countingBackend(t: { after(fn: () => unknown): void }) {
  const seen: string[] = [];
  const backend = await startBackend(t, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end("backend");
  });
  const wss = new WebSocketServer({ server: backend.server });
  wss.on("connection", (ws, req) => {
    seen.push(`upgrade ${req.url}`);
    ws.send("hello");
  });
  t.after(() => wss.close());
  return { ...backend, seen };
}

const EVIL = (port: number) => ({ host: `evil.example:${port}` });

test("a rebound Host is refused on proxied, intercepted, 404 and WebSocket traffic alike; the backend sees nothing", async (t) => {
  const backend = await countingBackend(t);
  const server = await startServer(t);
  server.setRouteProxyResolver((path) => (path.startsWith("/users") ? backend.url : undefined));
  server.interceptHttp("POST", "/mock/charge", () => ({ charged: true }));
  const base = server.getUrl();
  const port = server.getPort();

  for (const [what, answer] of [
    ["proxied GET", await request(`${base}/users/42`, { headers: EVIL(port) })],
    ["proxied POST", await request(`${base}/users/delete-all`, { method: "POST", headers: EVIL(port) })],
    ["intercepted", await request(`${base}/mock/charge`, { method: "POST", headers: EVIL(port) })],
    ["404", await request(`${base}/nothing/here`, { headers: EVIL(port) })],
    ["proxied WebSocket", await upgrade(`ws://127.0.0.1:${port}/users/live`, EVIL(port))],
    ["framework path", await upgrade(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}`, EVIL(port))],
  ] as const) {
    assert.equal(answer.status, 403, what);
    const { error } = JSON.parse(answer.body);
    assert.match(error, new RegExp(`^Host 'evil\\.example:${port}' is not allowed`), what);
    assert.match(error, /allowedHosts option \(crossipc hub --allow-host evil\.example\)/, what);
  }
  assert.deepEqual(backend.seen, [], "nothing reached the backend");
  assert.equal(server.journal.entries().length, 0, "refused before anything was recorded");

  // The same requests with a loopback name go through.
  assert.equal((await request(`${base}/users/42`, { headers: { host: `localhost:${port}` } })).body, "backend");
  assert.equal((await upgrade(`ws://127.0.0.1:${port}/users/live`, { host: `app.localhost:${port}` })).status, 101);
  assert.equal((await request(`${base}/mock/charge`, { method: "POST", headers: { host: `[::1]:${port}` } })).status, 200);
  assert.deepEqual(backend.seen, ["GET /users/42", "upgrade /users/live"]);
});

test("the last admitted Host is remembered, but a refused one never is", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/ok", () => "ok");
  const url = `${server.getUrl()}/ok`;
  const port = server.getPort();
  for (const [host, status] of [
    [`127.0.0.1:${port}`, 200],
    [`evil.example:${port}`, 403],
    [`evil.example:${port}`, 403],
    [`127.0.0.1:${port}`, 200],
    [`localhost.evil.example:${port}`, 403],
    [`127.0.0.1.evil.example:${port}`, 403],
    // Not host[:port] at all: 400 (RFC 9112 §3.2), before the names are looked at.
    [`evil.example:1:${port}`, 400],
    [`[evil.example]:${port}`, 400],
    [`256.0.0.1:${port}`, 403],
    [`10.0.0.7:${port}`, 200],
  ] as const) {
    assert.equal((await request(url, { headers: { host } })).status, status, host);
  }
  // Another server in the same process with other allowed names is not fooled by the first's memory.
  const other = await startServer(t, { allowedHosts: ["myapp.test"] });
  other.interceptHttp("GET", "/ok", () => "ok");
  assert.equal((await request(`${other.getUrl()}/ok`, { headers: { host: "myapp.test" } })).status, 200);
  assert.equal((await request(url, { headers: { host: "myapp.test" } })).status, 403);
});

test("a page that keeps sending a refused Host is logged once, not once per request", async (t) => {
  const warnings: string[] = [];
  const server = await startServer(t, { logger: { warn: (message) => void warnings.push(message) } });
  for (let i = 0; i < 20; i++) await request(`${server.getUrl()}/x`, { headers: EVIL(server.getPort()) });
  await request(`${server.getUrl()}/x`, { headers: { host: "other.example" } });
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[0]!, /^\[crossipc\] Request refused: Host 'evil\.example:\d+' is not allowed/);
});

test("allowedHosts admits a name, and a leading dot its subdomains", async (t) => {
  const backend = await countingBackend(t);
  const server = await startServer(t, { allowedHosts: ["MyApp.test", ".dev.test"] });
  server.setRouteProxyResolver(() => backend.url);
  const port = server.getPort();
  for (const host of [`myapp.test:${port}`, "myapp.test", `api.dev.test:${port}`, `dev.test:${port}`]) {
    assert.equal((await request(`${server.getUrl()}/a`, { headers: { host } })).status, 200, host);
  }
  assert.equal((await upgrade(`ws://127.0.0.1:${port}/live`, { host: `myapp.test:${port}` })).status, 101);
  for (const host of [`other.test:${port}`, `notdev.test:${port}`, `myapp.test.evil:${port}`]) {
    assert.equal((await request(`${server.getUrl()}/a`, { headers: { host } })).status, 403, host);
  }
});

test("a service worker script whose scope would cover the dashboard is not proxied", async (t) => {
  const backend = await countingBackend(t);
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => backend.url);
  const worker = { "service-worker": "script" };
  const refused = await request(`${server.getUrl()}/sw.js`, { headers: worker });
  assert.equal(refused.status, 403);
  assert.match(JSON.parse(refused.body).error, /Service worker script \/sw\.js refused: its scope would cover the hub's dashboard/);
  assert.equal((await request(`${server.getUrl()}/blog/sw.js`, { headers: worker })).status, 200, "a worker of its own folder");
  assert.equal((await request(`${server.getUrl()}/sw.js`)).status, 200, "the same file fetched as a plain script");
  assert.deepEqual(backend.seen, ["GET /blog/sw.js", "GET /sw.js"]);
});

// --- the dashboard key ---------------------------------------------------------------------

/** What a page served through the hub sends with its fetches (same origin as the dashboard). */
const samePage = (server: IPCServer) => ({ origin: server.getUrl(), "sec-fetch-site": "same-origin", "user-agent": "Mozilla/5.0" });

for (const accessToken of [undefined, "s3cret"]) {
  test(`${accessToken ? "with" : "without"} a token, a page served through the hub can neither read nor change /__crossipc/`, async (t) => {
    const server = await startServer(t, { dashboard: true, accessToken });
    const base = `${server.getUrl()}/__crossipc`;
    const page = samePage(server);
    for (const [method, path] of [
      ["GET", "/api/state"],
      ["GET", "/api/journal"],
      ["GET", "/api/journal/1"],
      ["GET", "/api/events"],
      ["DELETE", "/api/journal"],
      ["POST", "/api/faults"],
      ["GET", "/api/anything-added-later"],
    ]) {
      for (const headers of [page, { "sec-fetch-site": "same-origin" }, { "user-agent": "Mozilla/5.0 (Macintosh) Safari/605" }] as Array<Record<string, string>>) {
        const answer = await request(`${base}${path}`, { method, headers });
        assert.equal(answer.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.match(JSON.parse(answer.body).error, /needs its key: open the URL `crossipc hub` printed/);
      }
      // A wrong key is no better.
      assert.equal((await request(`${base}${path}`, { method, headers: { ...page, "x-crossipc-key": "guess" } })).status, 401);
    }
    // The key opens it: from the header, as the dashboard's script sends it.
    const key = decodeURIComponent(new URL(server.getDashboardUrl()).hash.slice("#key=".length));
    if (accessToken) assert.equal(key, accessToken, "with a token, the key is the token");
    else assert.match(key, /^[0-9a-f]{32}$/, "128 random bits");
    assert.equal((await request(`${base}/api/state`, { headers: { ...page, "x-crossipc-key": key } })).status, 200);
    assert.equal((await request(`${base}/api/journal`, { method: "DELETE", headers: { ...page, "x-crossipc-key": key } })).status, 200);
    // The static page and its script load without it (a navigation cannot carry a header).
    assert.equal((await request(`${base}/`, { headers: { "sec-fetch-site": "none" } })).status, 200);
    assert.equal((await request(`${base}/app.js`, { headers: page })).status, 200);
  });
}

test("programs (no browser headers) need nothing without a token, and the token with one", async (t) => {
  const open = await startServer(t, { dashboard: true });
  assert.equal((await fetch(`${open.getUrl()}/__crossipc/api/state`)).status, 200);
  assert.equal((await fetch(`${open.getUrl()}/__crossipc/api/journal`, { method: "DELETE" })).status, 200);
  const guarded = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  assert.equal((await fetch(`${guarded.getUrl()}/__crossipc/api/state`)).status, 401);
  assert.equal((await fetch(`${guarded.getUrl()}/__crossipc/api/state`, { headers: { authorization: "Bearer s3cret" } })).status, 200);
  assert.equal((await fetch(`${guarded.getUrl()}/__crossipc/api/state?token=s3cret`)).status, 200);
});

test("getDashboardUrl: the key in the fragment, a new one per server; without the dashboard it says why", async (t) => {
  const a = await startServer(t, { dashboard: true });
  const b = await startServer(t, { dashboard: true });
  assert.match(a.getDashboardUrl(), new RegExp(`^${a.getUrl()}/__crossipc/#key=[0-9a-f]{32}$`));
  assert.notEqual(a.getDashboardUrl().split("#")[1], b.getDashboardUrl().split("#")[1]);
  const plain = await startServer(t, { dashboard: false });
  assert.throws(() => plain.getDashboardUrl(), /serves no dashboard: it was created with \{ dashboard: false \}/);
});

// --- options that would open the hub to strangers --------------------------------------------

test("allowedOrigins '*' and a blank token are refused without a real token, naming accessToken", async (t) => {
  for (const options of [{ allowedOrigins: ["*"] }, { accessToken: "  " }]) {
    assert.throws(
      () => new IPCServer(0, options),
      (error: Error & { code?: string }) => error.code === "ERR_IPC_INSECURE" && /accessToken/.test(error.message),
      JSON.stringify(options),
    );
  }
  assert.throws(() => new IPCServer(0, { allowedOrigins: ["*"] }), /allowedOrigins '\*' without an accessToken lets every web page/);
  const guarded = await startServer(t, { allowedOrigins: ["*"], accessToken: "s3cret" });
  assert.ok(guarded.getPort() > 0);
});

// --- caps --------------------------------------------------------------------------------------

test("past maxClients the framework upgrade is refused with 503; a place frees when a client leaves", async (t) => {
  const server = await startServer(t, { maxClients: 2 });
  const url = `ws://127.0.0.1:${server.getPort()}${INTERNAL_SOCKET_PATH}`;
  const clients = [new IPCClient(server.getPort(), { heartbeatInterval: 0 }), new IPCClient(server.getPort(), { heartbeatInterval: 0 })];
  await Promise.all(clients.map((c, i) => c.connect(`worker-${i}`)));
  t.after(() => clients.forEach((c) => c.disconnect()));
  const refused = await upgrade(url);
  assert.equal(refused.status, 503);
  assert.match(JSON.parse(refused.body).error, /Too many framework clients: this server takes 2 \(the maxClients option\)/);
  // The client sees a reset, which grest-ts's clients retry on.
  const error = await rejection(new IPCClient(server.getPort()).connect());
  assert.match(error.message, /503/);
  clients[0]!.disconnect();
  await waitFor(() => server.journal.entries({ kind: "websocket" }).length >= 2, "journal");
  await new Promise((resolve) => server.onClientDisconnect(resolve));
  assert.equal((await upgrade(url)).status, 101);
});

test("a runtimeId longer than 256 characters is refused with 400", async (t) => {
  const server = await startServer(t);
  const url = `ws://127.0.0.1:${server.getPort()}${INTERNAL_SOCKET_PATH}?runtimeId=`;
  const refused = await upgrade(url + "r".repeat(257));
  assert.equal(refused.status, 400);
  assert.match(JSON.parse(refused.body).error, /runtimeId is 257 characters long; at most 256 are allowed/);
  assert.equal((await upgrade(url + "r".repeat(256))).status, 101);
});

// --- the live stream -----------------------------------------------------------------------

test("event streams: at most 16 at once, the oldest giving way to a new one; readers that stop reading are dropped", async (t) => {
  const drops: string[] = [];
  const server = await startServer(t, {
    dashboard: true,
    journal: { size: 200 },
    logger: { warn: (message) => void (message.includes("dashboard event stream") && drops.push(message)) },
  });
  // Long paths make each journal entry ~8 KiB, so the readers fall behind fast.
  server.interceptHttp("GET", "/fill/**", () => "x");
  const stalled: Array<{ head: string; socket: net.Socket }> = [];
  // One after another, so that the first is the oldest.
  for (let i = 0; i < 16; i++) stalled.push(await stalledStream(server.getPort()));
  t.after(() => stalled.forEach((s) => s.socket.destroy()));
  assert.ok(stalled.every((s) => s.head.startsWith("HTTP/1.1 200")), stalled.map((s) => s.head).join());
  // The journal is quiet: nothing fills their queues. A 17th (a reopened tab) still gets its stream.
  const newest = await fetch(`${server.getUrl()}/__crossipc/api/events`);
  assert.equal(newest.status, 200);
  const reader = newest.body!.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  assert.match(first.value ?? "", /^event: state\n/);
  // The oldest was told why and ended; its place went to the newest.
  assert.match(await restOf(stalled[0]!.socket), /event: replaced\ndata: \{"error":"A newer dashboard event stream took this one's place: at most 16 are open at once"\}\n\n[\s\S]*0\r\n\r\n$/);
  assert.deepEqual(drops.splice(0), ["[crossipc] Dropping the oldest dashboard event stream: 16 open (the most at once), and a new one came"]);
  await reader.cancel();
  stalled.shift();

  const path = `/fill/${"p".repeat(8000)}`;
  // Past 10 a second the drops are counted in one line at the second's end (see `logBounded`).
  const dropped = () => drops.reduce((sum, line) => sum + (Number(/^\[crossipc\] (\d+) more dashboard event streams dropped/.exec(line)?.[1]) || 1), 0);
  const deadline = Date.now() + 20_000;
  while (dropped() < 15 && Date.now() < deadline) {
    await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.getUrl()}${path}`).then((r) => r.text())));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(dropped(), 15, `dropped ${dropped()} of 15 stalled readers`);
  assert.match(drops[0]!, /Dropping a dashboard event stream: \d+ bytes unread \(limit 1048576\)/);
  // Their places are free again.
  const again = await fetch(`${server.getUrl()}/__crossipc/api/events`);
  assert.equal(again.status, 200);
  await again.body!.cancel();
});

test("event streams send the state only when it changed", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const response = await fetch(`${server.getUrl()}/__crossipc/api/events`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const states = () => text.split("event: state\n").length - 1;
  let pending: ReturnType<typeof reader.read> | undefined;
  const readFor = async (ms: number, enough = () => false) => {
    const end = Date.now() + ms;
    while (Date.now() < end && !enough()) {
      pending ??= reader.read();
      const next = await Promise.race([pending, new Promise<undefined>((resolve) => setTimeout(resolve, end - Date.now()))]);
      if (next) {
        pending = undefined;
        if (!next.done) text += next.value;
      }
    }
  };
  await readFor(2600); // the state is looked at every second
  assert.equal(states(), 1, "once at the start, then nothing while nothing changed (uptime aside)");
  server.interceptHttp("GET", "/new", () => 1);
  // Due within about a second; read until it came (a loaded machine may be late), 10 s at most.
  await readFor(10_000, () => states() >= 2);
  assert.equal(states(), 2, "again once a route was added");
  await reader.cancel();
});
