import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { startBackend, startServer, waitFor } from "./_helpers.ts";

test("interceptHttp: path params, headers, JSON body; data answers 200 JSON", async (t) => {
  const server = await startServer(t);
  const seen: unknown[] = [];
  server.interceptHttp("POST", "/users/:id", async (body, params, headers) => {
    seen.push({ body, params, auth: headers["authorization"], custom: headers["x-custom"] });
    return { id: params.id, ok: true };
  });
  const res = await fetch(`${server.getUrl()}/users/42?x=1`, {
    method: "POST",
    headers: { "content-type": "application/json", Authorization: "Bearer t", "X-Custom": "c" },
    body: JSON.stringify({ name: "Ada" }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /application\/json/);
  assert.deepEqual(await res.json(), { id: "42", ok: true });
  assert.deepEqual(seen, [{ body: { name: "Ada" }, params: { id: "42" }, auth: "Bearer t", custom: "c" }]);
});

test("interceptHttp: wildcards, text and empty bodies, undefined, Response and throw", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/files/**:path", async (_b, params) => params.path);
  server.interceptHttp("GET", "/legacy/*", async (_b, params) => params["*"]);
  server.interceptHttp("PUT", "/text", async (body) => ({ got: body }));
  server.interceptHttp("DELETE", "/empty", async () => undefined);
  server.interceptHttp("GET", "/raw", async () => new Response("teapot", { status: 418, headers: { "x-r": "1" } }));
  server.interceptHttp("GET", "/fail", async () => {
    throw new Error("mock failed");
  });
  const url = server.getUrl();
  assert.equal(await (await fetch(`${url}/files/a/b%20c.txt`)).json(), "a/b c.txt");
  assert.equal(await (await fetch(`${url}/legacy/x/y`)).json(), "x/y");
  assert.deepEqual(await (await fetch(`${url}/text`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "plain words" })).json(), { got: "plain words" });
  const empty = await fetch(`${url}/empty`, { method: "DELETE" });
  assert.equal(empty.status, 200);
  assert.equal(await empty.text(), "");
  const raw = await fetch(`${url}/raw`);
  assert.equal(raw.status, 418);
  assert.equal(raw.headers.get("x-r"), "1");
  assert.equal(await raw.text(), "teapot");
  const fail = await fetch(`${url}/fail`);
  assert.equal(fail.status, 500);
  assert.deepEqual(await fail.json(), { error: "mock failed" });
});

test("a throw with no message answers the error's name, and a thrown string its text (README: Errors)", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/empty-error", async () => {
    throw new Error("");
  });
  server.interceptHttp("GET", "/type-error", async () => {
    throw new TypeError("");
  });
  server.interceptHttp("GET", "/string", async () => {
    throw "nope";
  });
  const url = server.getUrl();
  for (const [path, error] of [["/empty-error", "Error"], ["/type-error", "TypeError"], ["/string", "nope"]]) {
    const answer = await fetch(`${url}${path}`);
    assert.equal(answer.status, 500);
    assert.deepEqual(await answer.json(), { error }, path);
  }
});

test("interceptRequest: the Web-standard form gets the Request and params", async (t) => {
  const server = await startServer(t);
  server.interceptRequest("POST", "/echo/:name", async (request, params) =>
    new Response(`${params.name}:${await request.text()}`, { status: 201, headers: { "x-method": request.method } }),
  );
  const res = await fetch(`${server.getUrl()}/echo/bob`, { method: "POST", body: "hi" });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-method"), "POST");
  assert.equal(await res.text(), "bob:hi");
});

test("routes win over the proxy; removeInterceptHttp restores proxying at once", async (t) => {
  const backend = await startBackend(t, (req, res) => res.end(`backend saw ${req.method} ${req.url}`));
  const server = await startServer(t);
  server.setRouteProxyResolver((path) => (path.startsWith("/users") ? backend.url : undefined));
  server.interceptHttp("GET", "/users/:id", async (_b, p) => ({ mocked: p.id }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/1`)).json(), { mocked: "1" });
  server.removeInterceptHttp("GET", "/users/:id");
  assert.equal(await (await fetch(`${server.getUrl()}/users/1?q=a%20b+c`)).text(), "backend saw GET /users/1?q=a%20b+c");
});

test("a spy observes the request and forwards it to the real service", async (t) => {
  const backend = await startBackend(t, async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ created: JSON.parse(body), by: "backend" }));
  });
  const server = await startServer(t);
  const observed: unknown[] = [];
  server.interceptRequest("POST", "/orders", async (request) => {
    observed.push(await request.clone().json());
    const real = await fetch(`${backend.url}/orders`, { method: "POST", headers: request.headers, body: await request.text() });
    observed.push(real.status);
    return real;
  });
  const res = await fetch(`${server.getUrl()}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"item":1}' });
  assert.deepEqual(await res.json(), { created: { item: 1 }, by: "backend" });
  assert.deepEqual(observed, [{ item: 1 }, 200]);
});

test("no route and no proxy target: the original's 404 text", async (t) => {
  const server = await startServer(t);
  const res = await fetch(`${server.getUrl()}/orders/7?x=1`, { method: "PATCH" });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    error: "No route for PATCH /orders/7! Did you forget to start a service that defines this path?",
  });
});

test("proxy target down: 502 JSON naming the target and the cause", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end());
  const deadUrl = backend.url;
  await new Promise<void>((r) => backend.server.close(() => r()));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => deadUrl);
  const res = await fetch(`${server.getUrl()}/svc/a`);
  assert.equal(res.status, 502);
  const body = (await res.json()) as { error: string };
  assert.ok(body.error.includes(`${deadUrl}/svc/a`), body.error);
  assert.match(body.error, /ECONNREFUSED|refused/i);
});

test("HTTP proxy passes method, headers, body, status and several set-cookie headers", async (t) => {
  const backend = await startBackend(t, async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    res.statusCode = 201;
    res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
    res.setHeader("x-echo", `${req.method} ${req.url} ${req.headers["authorization"]} ${req.headers["cookie"]} ${req.headers["x-forwarded-for"]} ${body}`);
    res.end("created");
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const res = await fetch(`${server.getUrl()}/api/items?tag=a&tag=b`, {
    method: "PUT",
    headers: { authorization: "Bearer x", cookie: "sid=9" },
    body: "payload",
  });
  assert.equal(res.status, 201);
  assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
  assert.equal(res.headers.get("x-echo"), "PUT /api/items?tag=a&tag=b Bearer x sid=9 127.0.0.1 payload");
  assert.equal(await res.text(), "created");
});

test("WebSocket proxy: text and binary both ways, backend's subprotocol, close code relayed", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (offered) => (offered.has("v2") ? "v2" : false) });
  await once(wss, "listening");
  t.after(() => new Promise((r) => wss.close(r)));
  const upgrades: string[] = [];
  wss.on("connection", (ws, req) => {
    upgrades.push(`${req.url} ${req.headers["cookie"]}`);
    ws.on("message", (data, isBinary) => {
      if (!isBinary && data.toString() === "bye") ws.close(4001, "backend says bye");
      else ws.send(isBinary ? Buffer.concat([Buffer.from([0xff]), data as Buffer]) : `echo:${data}`);
    });
  });
  const backendUrl = `http://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const server = await startServer(t);
  server.setRouteProxyResolver((path) => (path.startsWith("/live") ? backendUrl : undefined));

  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live/feed?room=1`, ["v1", "v2"], { headers: { cookie: "sid=7" } });
  const messages: string[] = [];
  client.on("message", (data, isBinary) => messages.push(isBinary ? `bin:${[...(data as Buffer)].join(",")}` : String(data)));
  await once(client, "open");
  assert.equal(client.protocol, "v2", "the client gets the protocol the backend chose, not its first offer");
  client.send("hello");
  client.send(Buffer.from([1, 2, 3]));
  await new Promise((r) => setTimeout(r, 100));
  client.send("bye");
  const [code, reason] = (await once(client, "close")) as [number, Buffer];
  assert.deepEqual(messages, ["echo:hello", "bin:255,1,2,3"]);
  assert.equal(code, 4001);
  assert.equal(String(reason), "backend says bye");
  assert.deepEqual(upgrades, ["/live/feed?room=1 sid=7"]);
});

test("WebSocket upgrades: refused when nothing takes the path or the backend refuses", async (t) => {
  const backend = await startBackend(t, (_req, res) => {
    res.statusCode = 403;
    res.end();
  });
  const server = await startServer(t);
  server.setRouteProxyResolver((path) => (path.startsWith("/guarded") ? backend.url : undefined));
  // Nothing takes the path: the hub's 404. The backend refuses: its own answer reaches the client.
  for (const [path, status] of [["/nowhere", 404], ["/guarded", 403]] as const) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}${path}`);
    const [error] = (await once(ws, "error")) as [Error];
    assert.equal(error.message, `Unexpected server response: ${status}`, path);
  }
});

test("routes added and removed while requests are in flight do not break them", async (t) => {
  const backend = await startBackend(t, (_req, res) => res.end("from the service"));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered = false;
  server.interceptHttp("GET", "/orders/:id", async (_b, params) => {
    entered = true;
    await gate;
    return { mocked: params.id };
  });
  const inFlight = fetch(`${server.getUrl()}/orders/1`).then((r) => r.json());
  // In flight means inside the handler: a fixed wait could end before the request got there.
  await waitFor(() => entered, "the first request inside its handler");
  server.removeInterceptHttp("GET", "/orders/:id");
  // Removed at once for new requests, while the one in flight still gets its mock.
  assert.equal(await (await fetch(`${server.getUrl()}/orders/2`)).text(), "from the service");
  server.interceptHttp("GET", "/orders/:id", async () => ({ second: true }));
  assert.deepEqual(await (await fetch(`${server.getUrl()}/orders/3`)).json(), { second: true });
  release();
  assert.deepEqual(await inFlight, { mocked: "1" });
});
