/** SPEC §10: mocks from another process's connection, scoped per test, in the order of the pipeline. */
import assert from "node:assert/strict";
import http from "node:http";
import test from "node:test";
import { connectMocks, IPCClient, IPCServer, passthrough, scopeHeaders, ServiceHub, type Mocks } from "../../adapters/node.ts";
import { hubRulesOf } from "../../src/mocks/_hubRules.ts";
import { PASS } from "../../src/mocks/_rule.ts";
import { rejection, startBackend, startServer, waitFor } from "./_helpers.ts";

async function mocksFor(t: { after(fn: () => unknown): void }, server: IPCServer, runtimeId = "test"): Promise<Mocks> {
  const mocks = await connectMocks(server.getPort(), { runtimeId });
  t.after(() => mocks.close());
  return mocks;
}

async function getJson(url: string, headers?: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test("a scope's rule answers only its scope's requests; unscoped rules answer everyone; each in another process's connection", async (t) => {
  const server = await startServer(t);
  const mocks = await mocksFor(t, server);
  const a = mocks.scope();
  const b = mocks.scope("t-42");
  assert.match(a.id, /^[0-9a-f]{32}$/);
  await a.intercept("GET", "/users/:id", (_body, params) => ({ from: "a", id: params.id }));
  await b.intercept("GET", "/users/:id", (_body, params) => ({ from: "b", id: params.id }));
  await mocks.intercept("GET", "/users/:id", () => ({ from: "unscoped" }));
  const url = `${server.getUrl()}/users/7`;
  assert.deepEqual((await getJson(url, a.headers)).body, { from: "a", id: "7" });
  assert.deepEqual((await getJson(url, b.headers)).body, { from: "b", id: "7" });
  assert.deepEqual((await getJson(url)).body, { from: "unscoped" });
  // An unknown scope skips step (1).
  assert.deepEqual((await getJson(url, { "x-crossipc-scope": "nobody" })).body, { from: "unscoped" });
  assert.deepEqual(b.headers, { baggage: "crossipc-scope=t-42" });
  assert.deepEqual(Object.keys(a.headers).sort(), ["baggage", "traceparent", "x-b3-traceid"]);
  assert.match(a.headers.traceparent!, new RegExp(`^00-${a.id}-[0-9a-f]{16}-01$`));
});

test("the order: scope, unscoped, the hub's intercept routes, services, 404; the journal says what took each", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(`service ${req.url}`));
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "svc", baseUrl: backend.url, pathPrefix: "/svc" });
  const server = hub.server;
  server.interceptHttp("GET", "/svc/local", () => "local");
  const mocks = await mocksFor(t, server);
  const scope = mocks.scope();
  await scope.intercept("GET", "/svc/scoped", () => "scoped");
  await mocks.intercept("GET", "/svc/*", () => passthrough());
  await mocks.intercept("GET", "/svc/unscoped", () => "unscoped");
  await mocks.intercept("GET", "/svc/local2", () => "unscoped beats local");
  server.interceptHttp("GET", "/svc/local2", () => "local");
  const rows: Array<[string, Record<string, string> | undefined, string, string]> = [
    ["/svc/scoped", scope.headers, "scoped", "mock"],
    ["/svc/scoped", undefined, "service /svc/scoped", "proxy"],
    ["/svc/unscoped", scope.headers, "unscoped", "mock"],
    ["/svc/local", scope.headers, "local", "intercept"],
    ["/svc/local2", undefined, "unscoped beats local", "mock"],
    ["/svc/other", scope.headers, "service /svc/other", "proxy"],
    ["/nothing", scope.headers, "404", "none"],
  ];
  for (const [path, headers, body, takenBy] of rows) {
    const after = server.journal.lastId;
    const response = await fetch(`${server.getUrl()}${path}`, { headers });
    const text = await response.text();
    assert.equal(response.status === 404 ? "404" : text.replace(/^"|"$/g, ""), body, `${path} ${headers ? "scoped" : "unscoped"}`);
    const entry = await server.journal.waitFor({ after, kind: "http", path });
    assert.equal(entry.takenBy, takenBy, path);
    assert.equal(entry.scope, headers ? scope.id : null, path);
  }
  // A scoped rule that passes hands on to (2), then (3).
  await scope.intercept("GET", "/svc/unscoped", () => passthrough());
  await scope.intercept("GET", "/svc/local", () => passthrough());
  assert.equal(await (await fetch(`${server.getUrl()}/svc/unscoped`, { headers: scope.headers })).json(), "unscoped");
  assert.equal(await (await fetch(`${server.getUrl()}/svc/local`, { headers: scope.headers })).json(), "local");
});

test("the same pattern twice shadows: the newer answers, removing it uncovers the older; passthrough hands on with the body intact", async (t) => {
  const backend = await startBackend(t, (req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk)).on("end", () => res.end(`backend got ${body}`));
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const mocks = await mocksFor(t, server);
  const scope = mocks.scope();
  const older = await scope.intercept("POST", "/echo", (body) => `older ${JSON.stringify(body)}`);
  const newer = await scope.intercept("POST", "/echo", (body) => `newer ${JSON.stringify(body)}`);
  const post = async () => (await fetch(`${server.getUrl()}/echo`, { method: "POST", headers: scope.headers, body: '{"n":1}' })).json();
  assert.equal(await post(), 'newer {"n":1}');
  await newer.remove();
  assert.equal(await post(), 'older {"n":1}');
  // passthrough: the next rule of the step, then the next step, with the body as it came.
  const passer = await scope.interceptRequest("POST", "/echo", () => passthrough());
  assert.equal(await post(), 'older {"n":1}');
  await older.remove();
  const res = await fetch(`${server.getUrl()}/echo`, { method: "POST", headers: scope.headers, body: "raw bytes" });
  assert.equal(await res.text(), "backend got raw bytes");
  assert.equal(passer.calls, 2);
  assert.equal(older.calls, 2);
});

test("the scope is read from baggage, x-crossipc-scope, a cookie, and an open scope's traceparent or x-b3-traceid", async (t) => {
  const seen: Array<Record<string, string | undefined>> = [];
  const backend = await startBackend(t, (req, res) => {
    seen.push({ baggage: req.headers.baggage as string, traceparent: req.headers.traceparent as string, cookie: req.headers.cookie });
    res.end("service");
  });
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => backend.url);
  const mocks = await mocksFor(t, server);
  const scope = mocks.scope();
  const named = mocks.scope("named.scope-1");
  await scope.intercept("GET", "/s", () => "trace scope");
  await named.intercept("GET", "/s", () => "named scope");
  const ask = async (headers: Record<string, string>) => (await fetch(`${server.getUrl()}/s`, { headers })).text();
  assert.equal(await ask({ baggage: "userId=alice, crossipc-scope = named.scope-1 ;prop=1, other=x" }), '"named scope"');
  assert.equal(await ask({ baggage: "crossipc-scope=named%2Escope-1" }), '"named scope"');
  assert.equal(await ask({ "x-crossipc-scope": "named.scope-1" }), '"named scope"');
  assert.equal(await ask({ cookie: "session=abc; crossipc-scope=named.scope-1" }), '"named scope"');
  assert.equal(await ask({ traceparent: `00-${scope.id}-00f067aa0ba902b7-01` }), '"trace scope"');
  assert.equal(await ask({ "x-b3-traceid": scope.id }), '"trace scope"');
  // A member named otherwise, or a property, is not the scope; a trace id of no open scope is none.
  assert.equal(await ask({ baggage: "x-crossipc-scope=named.scope-1, a=b;crossipc-scope=named.scope-1" }), "service");
  assert.equal(await ask({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }), "service");
  // Baggage wins over the others.
  assert.equal(await ask({ baggage: "crossipc-scope=named.scope-1", "x-crossipc-scope": scope.id }), '"named scope"');
  // Forwarded unchanged to the service.
  const headers = { baggage: "a=1,crossipc-scope=unknown;p", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", cookie: "crossipc-scope=x; s=1" };
  await ask(headers);
  assert.deepEqual(seen.at(-1), headers);
  // The journal carries the scope whatever took the request, and filters on it.
  const entries = server.journal.entries({ scope: "named.scope-1" });
  assert.equal(entries.length, 5);
  assert.ok(entries.every((entry) => entry.takenBy === "mock"));
  // Over HTTP too: ?scope=<id>, and ?scope=null for requests without one (as `scope: null`).
  const api = async (query: string) => {
    const page = await (await fetch(`${server.getUrl()}/__crossipc/api/journal?kind=http&${query}`)).json();
    return page.entries.map((entry: { scope: string | null }) => entry.scope);
  };
  assert.deepEqual(await api("scope=named.scope-1"), entries.map(() => "named.scope-1"));
  const unscoped = server.journal.entries({ kind: "http", scope: null });
  assert.ok(unscoped.length > 0);
  assert.deepEqual(await api("scope=null"), unscoped.map(() => null));
  const har = await (await fetch(`${server.getUrl()}/__crossipc/api/journal.har?scope=null`)).json();
  assert.equal(har.log.entries.length, unscoped.length);
});

test("scopeHeaders(from) gives a service the headers that carry its request's scope on", async () => {
  const scoped = new Request("http://x/", { headers: { baggage: "a=1, crossipc-scope=t1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } });
  assert.deepEqual(scopeHeaders(scoped), { baggage: "a=1, crossipc-scope=t1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
  assert.deepEqual(scopeHeaders(new Headers({ cookie: "sid=secret; crossipc-scope=t2" })), { baggage: "crossipc-scope=t2" });
  assert.deepEqual(scopeHeaders({ "X-Crossipc-Scope": "t3", "X-B3-TraceId": "abc" }), { baggage: "crossipc-scope=t3", "x-b3-traceid": "abc" });
  assert.deepEqual(scopeHeaders({ accept: "*/*" }), {});
});

test("scopeHeaders(req) reads a node:http service's own request (its headers field), as a Request's", async (t) => {
  // Before, an IncomingMessage was read as a header record: none of its fields is a header, so
  // the service's call went out without the scope, silently (a Node service's natural argument).
  const seen: Array<Record<string, string>> = [];
  const service = http.createServer((req, res) => {
    seen.push(scopeHeaders(req));
    res.end();
  });
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  t.after(() => service.close());
  const url = `http://127.0.0.1:${(service.address() as { port: number }).port}/`;
  await (await fetch(url, { headers: { cookie: "sid=1; crossipc-scope=t4", "x-b3-traceid": "abc" } })).text();
  await (await fetch(url)).text();
  assert.deepEqual(seen, [{ baggage: "crossipc-scope=t4", "x-b3-traceid": "abc" }, {}]);
  assert.deepEqual(scopeHeaders({ headers: new Headers({ "x-crossipc-scope": "t5" }) }), { baggage: "crossipc-scope=t5" }, "a framework's request holding Headers");
});

test("a nested call through the hub with scopeHeaders(request) is mocked within the caller's scope", async (t) => {
  const server = await startServer(t);
  // A "service" that calls another route through the hub, passing the scope on.
  server.interceptRequest("GET", "/orders/:id", async (request, params) => {
    const user = await fetch(`${server.getUrl()}/users/${params.id}`, { headers: scopeHeaders(request) });
    return Response.json({ order: params.id, user: await user.json() });
  });
  server.interceptHttp("GET", "/users/:id", (_b, params) => ({ real: params.id }));
  const mocks = await mocksFor(t, server);
  const one = mocks.scope();
  const two = mocks.scope();
  await one.intercept("GET", "/users/:id", () => ({ mocked: "one" }));
  await two.intercept("GET", "/users/:id", () => ({ mocked: "two" }));
  const results = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const scope = [one, two, undefined][i % 3];
      return [i % 3, (await getJson(`${server.getUrl()}/orders/${i}`, scope?.headers)).body.user] as const;
    }),
  );
  for (const [which, user] of results) assert.deepEqual(user, [{ mocked: "one" }, { mocked: "two" }][which] ?? { real: user.real });
});

test("bodies and headers are relayed byte for byte: binary both ways, several set-cookie, status, 204", async (t) => {
  const server = await startServer(t);
  const mocks = await mocksFor(t, server);
  const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7 + (i >> 8)) & 255);
  let received: Uint8Array | undefined;
  let receivedHeaders: Headers | undefined;
  await mocks.interceptRequest("PUT", "/blob/:name", async (request, params) => {
    received = new Uint8Array(await request.arrayBuffer());
    receivedHeaders = request.headers;
    const headers = new Headers({ "content-type": "application/octet-stream", "x-name": params.name! });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; HttpOnly");
    return new Response(received.slice().reverse(), { status: 207, statusText: "Multi", headers });
  });
  await mocks.interceptRequest("DELETE", "/blob/:name", () => new Response(null, { status: 204 }));
  const response = await fetch(`${server.getUrl()}/blob/x%20y?q=1`, { method: "PUT", body: bytes, headers: { "x-multi": "v1", "content-type": "application/x-bin" } });
  assert.equal(response.status, 207);
  assert.equal(response.statusText, "Multi");
  assert.deepEqual(response.headers.getSetCookie(), ["a=1; Path=/", "b=2; HttpOnly"]);
  assert.equal(response.headers.get("x-name"), "x y");
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes.slice().reverse());
  assert.deepEqual(received, bytes);
  assert.equal(receivedHeaders!.get("x-multi"), "v1");
  assert.equal(receivedHeaders!.get("content-type"), "application/x-bin");
  const gone = await fetch(`${server.getUrl()}/blob/x`, { method: "DELETE" });
  assert.equal(gone.status, 204);
  assert.equal(await gone.text(), "");
});

test("a handler that throws answers 500 with its message; one that never answers, 504 after proxyTimeout; the hub keeps serving", async (t) => {
  const server = await startServer(t, { proxyTimeout: 300 });
  server.interceptHttp("GET", "/ok", () => "ok");
  const mocks = await mocksFor(t, server);
  await mocks.intercept("GET", "/throws", () => {
    throw new Error("boom in the test");
  });
  await mocks.intercept("GET", "/never", () => new Promise(() => {}));
  const thrown = await getJson(`${server.getUrl()}/throws`);
  assert.deepEqual(thrown, { status: 500, body: { error: "boom in the test" } });
  const never = await getJson(`${server.getUrl()}/never`);
  assert.equal(never.status, 504);
  assert.match(never.body.error, /did not answer within 300ms/);
  assert.equal((await getJson(`${server.getUrl()}/ok`)).body, "ok");
  const entry = server.journal.entries({ path: "/never" })[0]!;
  assert.equal(entry.takenBy, "mock");
  assert.match(entry.error!, /did not answer/);
});

test("bad input: a refused pattern, a bad method or scope id, a reserved name; nothing is added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const mocks = await mocksFor(t, server);
  const error = await rejection(mocks.intercept("GET", "/a/:x/:x", () => 1));
  assert.match(error.message, /Pattern "\/a\/:x\/:x" is refused: rou3: duplicate param name/);
  assert.match((await rejection(mocks.intercept("GE T", "/a", () => 1))).message, /not an HTTP method/);
  assert.throws(() => mocks.scope("has space"), /Scope id "has space" is invalid/);
  const state = await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json();
  assert.deepEqual(state.mocks, []);
  assert.throws(() => server.onFrameworkMessage("__crossipc/mine" as never, () => 1), { code: "ERR_IPC_INVALID_NAME", message: /reserved/ });
  assert.throws(() => server.onFrameworkNotification("__crossipc/mine", () => 1), /reserved/);
  const client = new IPCClient(server.getPort());
  assert.throws(() => client.onFrameworkRequest("__crossipc/mocks/take" as never, () => 1), /reserved/);
  assert.throws(() => client.onFrameworkNotification("__crossipc/x", () => 1), /reserved/);
  // The connection still works after the refusals.
  await mocks.intercept("GET", "/a/:x", () => "fine");
  assert.equal((await getJson(`${server.getUrl()}/a/1`)).body, "fine");
});

test("a test's refused rule is its answer, not a hub warning: the test's intercept rejects, the hub's logger hears nothing", async (t) => {
  // `crossipc hub` printed "Request handler for '__crossipc/mocks/add' threw: …" for each one.
  const warnings: string[] = [];
  const server = await startServer(t, { logger: { warn: (message: string) => void warnings.push(message) } });
  const mocks = await mocksFor(t, server);
  assert.match((await rejection(mocks.intercept("GET", "/a/:x/:x", () => 1))).message, /Pattern "\/a\/:x\/:x" is refused/);
  assert.match((await rejection(mocks.intercept("GE T", "/a", () => 1))).message, /not an HTTP method/);
  assert.match((await rejection(mocks.scope("t-1").interceptRequest("GET", "no-slash/:", () => new Response()))).message, /is refused/);
  await mocks.intercept("GET", "/a/:x", () => "fine");
  assert.equal((await getJson(`${server.getUrl()}/a/1`)).body, "fine");
  assert.deepEqual(warnings, []);
});

test("connectMocks rejects as IPCClient.connect does: no hub, a wrong or missing token", async (t) => {
  const server = await startServer(t, { accessToken: "s3cret" });
  for (const token of [undefined, "wrong"]) {
    const error = await rejection(connectMocks(server.getPort(), { token }));
    assert.equal(error.code, "ERR_IPC_UNAUTHORIZED", String(token));
  }
  const mocks = await connectMocks(server.getPort(), { token: "s3cret" });
  await mocks.close();
  const dead = new IPCServer(0);
  await dead.start();
  const port = dead.getPort();
  await dead.teardown();
  const error = await rejection(connectMocks(port));
  assert.equal(error.code, "ERR_IPC_CONNECT");
  assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
});

test("remove(), scope.close() and mocks.close() resolve once the hub no longer holds the rules; asyncDispose too", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const state = async () => (await (await fetch(`${server.getUrl()}/__crossipc/api/state`)).json()).mocks as Array<{ id: string; scope: string | null; owner: string; calls: number; kind: string; method: string; path: string }>;
  const mocks = await connectMocks(server.getPort(), { runtimeId: "lister" });
  const scope = mocks.scope("s1");
  const rule = await scope.intercept("GET", "/a", () => 1);
  await scope.interceptRequest("POST", "/b", () => new Response("b"));
  await mocks.intercept("*", "/c/**", () => 3);
  await fetch(`${server.getUrl()}/a`, { headers: scope.headers });
  const listed = await state();
  assert.equal(listed.length, 3);
  assert.deepEqual(listed[0], { id: rule.id, scope: "s1", kind: "intercept", method: "GET", path: "/a", owner: listed[0]!.owner, calls: 1 });
  assert.match(listed[0]!.owner, /^client-\d+$/);
  assert.equal(listed[2]!.method, "*");
  assert.equal(rule.calls, 1);
  await rule.remove();
  assert.equal((await state()).length, 2);
  await scope.close();
  assert.deepEqual((await state()).map((r) => r.scope), [null]);
  {
    await using inner = mocks.scope();
    await inner.intercept("GET", "/d", () => 4);
    assert.equal((await state()).length, 2);
  }
  assert.equal((await state()).length, 1);
  await mocks[Symbol.asyncDispose]();
  assert.deepEqual(await state(), []);
  assert.equal(mocks.client.isConnected(), false);
});

test("every rule of a connection goes when it closes; a test process killed mid-request answers the waiting client 502", async (t) => {
  const { spawn } = await import("node:child_process");
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/held/*", () => "hub's own");
  const holder = spawn(process.execPath, ["--import", "tsx", "test/fixtures/mocks-holder.ts", "--port", String(server.getPort())], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => holder.kill("SIGKILL"));
  const lines: any[] = [];
  let buffer = "";
  holder.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let i; (i = buffer.indexOf("\n")) !== -1; buffer = buffer.slice(i + 1)) lines.push(JSON.parse(buffer.slice(0, i)));
  });
  await waitFor(() => lines.some((l) => l.ready), "the holder's rules", 20_000);
  const { headers } = lines.find((l) => l.ready);
  assert.deepEqual((await getJson(`${server.getUrl()}/held/answer`, headers)).body, { held: true });
  const pending = getJson(`${server.getUrl()}/held/never`, headers);
  await waitFor(() => lines.some((l) => l.called === "/held/never"), "the call to reach the holder");
  holder.kill("SIGKILL");
  const answer = await pending;
  assert.equal(answer.status, 502);
  assert.match(answer.body.error, /holder-node.*went away/);
  // Its rules are gone: the hub's own route answers again.
  const after = await getJson(`${server.getUrl()}/held/answer`, headers);
  assert.deepEqual(after.body, "hub's own");
});

test("a body over what the hub relays answers 413; an answer over it 500; the connection stays", async (t) => {
  const server = await startServer(t, { maxMessageSize: 64 * 1024 });
  const mocks = await mocksFor(t, server);
  await mocks.interceptRequest("POST", "/big", async (request) => new Response(await request.arrayBuffer()));
  await mocks.interceptRequest("GET", "/huge", () => new Response(new Uint8Array(200 * 1024)));
  const small = await fetch(`${server.getUrl()}/big`, { method: "POST", body: "x".repeat(1000) });
  assert.equal((await small.text()).length, 1000);
  const tooBig = await fetch(`${server.getUrl()}/big`, { method: "POST", body: new Uint8Array(100 * 1024) });
  assert.equal(tooBig.status, 413);
  assert.match((await tooBig.json()).error, /over the \d+-byte limit/);
  const huge = await getJson(`${server.getUrl()}/huge`);
  assert.equal(huge.status, 500);
  assert.match(huge.body.error, /over what the hub's maxMessageSize/);
  assert.equal(mocks.client.isConnected(), true);
  assert.equal((await fetch(`${server.getUrl()}/big`, { method: "POST", body: "ok" }).then((r) => r.text())), "ok");
});

test("10,000 rules in 1,000 scopes: each scope answers its own, unscoped requests go on, other clients are served", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/plain", () => "plain");
  const mocks = await mocksFor(t, server);
  const scopes = Array.from({ length: 1000 }, (_, i) => mocks.scope(`s${i}`));
  // Everyone else keeps being served while the rules pour in.
  let adding = true;
  const served: number[] = [];
  const traffic = (async () => {
    while (adding) served.push((await fetch(`${server.getUrl()}/plain`).then(async (r) => (await r.text(), r.status))));
  })();
  for (let batch = 0; batch < 1000; batch += 100) {
    await Promise.all(
      scopes.slice(batch, batch + 100).flatMap((scope, i) =>
        Array.from({ length: 10 }, (_, r) => scope.intercept("GET", `/r${r}/:id`, () => `${batch + i}:${r}`)),
      ),
    );
  }
  adding = false;
  await traffic;
  assert.ok(served.length > 0 && served.every((status) => status === 200));
  assert.equal((await getJson(`${server.getUrl()}/r3/1`, scopes[517]!.headers)).body, "517:3");
  assert.equal((await getJson(`${server.getUrl()}/plain`)).body, "plain");
  assert.equal((await getJson(`${server.getUrl()}/r3/1`)).status, 404);
  const other = await connectMocks(server.getPort());
  t.after(() => other.close());
  await other.intercept("GET", "/other", () => "other");
  assert.equal((await getJson(`${server.getUrl()}/other`)).body, "other");
  await scopes[517]!.close();
  assert.equal((await getJson(`${server.getUrl()}/r3/1`, scopes[517]!.headers)).status, 404);
});

test("a `*` `/**` rule takes no WebSocket upgrade and never hides the hub's own pages", async (t) => {
  const { WebSocketServer, default: WebSocket } = await import("ws");
  const backend = await startBackend(t, (_req, res) => res.end("http"));
  const wss = new WebSocketServer({ server: backend.server });
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(`echo ${data}`)));
  t.after(() => wss.close());
  const server = await startServer(t, { dashboard: true });
  server.setRouteProxyResolver(() => backend.url);
  const mocks = await mocksFor(t, server);
  await mocks.intercept("*", "/**", () => "everything");
  assert.equal((await getJson(`${server.getUrl()}/anything`)).body, "everything");
  assert.equal((await getJson(`${server.getUrl()}/__crossipc/api/state`)).body.mocks.length, 1);
  // A service's own path that merely starts like the hub's is an ordinary path.
  assert.equal((await getJson(`${server.getUrl()}/__crossipc-admin`)).body, "everything");
  const ws = new WebSocket(`${server.getUrl().replace("http", "ws")}/socket`, { headers: { "x-crossipc-scope": "s" } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on("open", () => ws.send("hi"));
    ws.on("message", (data) => resolve(String(data)));
    ws.on("error", reject);
  });
  ws.close();
  assert.equal(reply, "echo hi");
  const upgrade = await server.journal.waitFor({ kind: "websocket", path: "/socket" });
  assert.equal(upgrade.takenBy, "proxy");
  assert.equal(upgrade.scope, "s");
});

test("a raw client's broken answers (bad header, bad status, garbage) answer 502; the hub keeps serving", async (t) => {
  const { rawSocket } = await import("./_helpers.ts");
  const server = await startServer(t);
  server.interceptHttp("GET", "/ok", () => "ok");
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
  assert.match(await raw.next(), /^s:1:__crossipc\/mocks\/hello:\{"success":true,"data":\{"protocol":1,/);
  raw.send('r:2:__crossipc/mocks/hello:{"protocol":99}');
  assert.match(await raw.next(), /^s:2:.*"success":false,"error":"This hub speaks the crossipc mocks protocol 1, the client 99/);
  raw.send('r:3:__crossipc/mocks/add:{"ref":1,"scope":null,"kind":"intercept","method":"GET","path":"/raw/:n"}');
  assert.match(await raw.next(), /^s:3:__crossipc\/mocks\/add:\{"success":true,"data":\{"id":"m\d+"\}\}$/);
  raw.send('r:4:__crossipc/mocks/add:{"ref":2,"scope":null,"kind":"nonsense","method":"GET","path":"/x"}');
  assert.match(await raw.next(), /Unknown rule kind \\"nonsense\\"/);
  const answers = ['{"status":200,"headers":[["bad\\nname","x"]]}', '{"status":42,"headers":[]}', '"garbage"', '{"status":200,"headers":[],"body":{"other":1}}'];
  for (const answer of answers) {
    const pending = getJson(`${server.getUrl()}/raw/1`);
    const take = /^r:(\d+):__crossipc\/mocks\/take:/.exec(await raw.next())!;
    raw.send(`s:${take[1]}:__crossipc/mocks/take:{"success":true,"data":${answer}}`);
    const { status, body } = await pending;
    assert.equal(status, 502, answer);
    assert.match(body.error, /sent an answer the hub cannot read/);
  }
  assert.equal((await getJson(`${server.getUrl()}/ok`)).body, "ok");
});

test("step (3): the hub's own rules (replays) come after its intercept routes and before services, and may pass", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("service"));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  server.interceptHttp("GET", "/a", () => "intercept");
  hubRulesOf(server).hubRules.add(
    {
      id: "r1", scope: null, kind: "replay", method: "*", path: "/**", owner: "local", calls: 0, takenBy: "replay",
      take: async (context) => (context.path === "/b" ? new Response("replayed") : PASS),
    },
    "*",
  );
  const text = async (path: string) => (await fetch(`${server.getUrl()}${path}`)).text();
  assert.equal(await text("/a"), '"intercept"');
  assert.equal(await text("/b"), "replayed");
  assert.equal(await text("/c"), "service");
  assert.deepEqual(server.journal.entries({ kind: "http" }).map((e) => [e.path, e.takenBy, e.rule]), [["/a", "intercept", undefined], ["/b", "replay", "r1"], ["/c", "proxy", undefined]]);
});

test("scope.entries() and waitFor() read the hub's journal over the connection, only the scope's requests", async (t) => {
  const server = await startServer(t);
  const mocks = await mocksFor(t, server);
  const one = mocks.scope();
  const two = mocks.scope();
  await one.intercept("GET", "/j/:n", (_b, params) => params.n);
  await fetch(`${server.getUrl()}/j/1`, { headers: one.headers });
  await fetch(`${server.getUrl()}/j/2`, { headers: two.headers });
  await fetch(`${server.getUrl()}/j/3`);
  assert.deepEqual((await one.entries()).map((e) => [e.path, e.takenBy, e.status]), [["/j/1", "mock", 200]]);
  assert.deepEqual((await two.entries()).map((e) => [e.path, e.takenBy, e.status]), [["/j/2", "none", 404]]);
  assert.equal((await mocks.entries({ kind: "http", path: "/j/*" })).length, 3);
  const next = two.waitFor({ path: "/j/late" }, 5000);
  await fetch(`${server.getUrl()}/j/late`, { headers: one.headers });
  await fetch(`${server.getUrl()}/j/late`, { headers: two.headers });
  assert.equal((await next).scope, two.id);
  const missed = await rejection(one.waitFor({ path: "/never" }, 100));
  assert.match(missed.message, /Journal: no entry matching \{path="\/never", scope=".+"\} within 100ms/);
  assert.match((await rejection(one.entries({ path: /x/ as never }))).message, /not a RegExp/);
});

test("with journal bodies on, a mocked request's body and answer are recorded", async (t) => {
  const server = await startServer(t, { journal: { bodies: true } });
  const mocks = await mocksFor(t, server);
  await mocks.intercept("POST", "/recorded", (body) => ({ got: body }));
  await (await fetch(`${server.getUrl()}/recorded`, { method: "POST", body: '{"n":1}' })).text();
  const entry = await server.journal.waitFor({ path: "/recorded" });
  assert.equal(entry.requestBody, '{"n":1}');
  await waitFor(() => server.journal.get(entry.id)?.responseBody !== undefined, "the answer's body");
  assert.equal(server.journal.get(entry.id)!.responseBody, '{"got":{"n":1}}');
});
