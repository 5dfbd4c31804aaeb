/**
 * crossipc in the Deno test runner with every sanitizer on: a test that leaves a timer, an
 * op or a socket behind fails.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { hostname } from "node:os";
import { env, execPath } from "node:process";
import { promisify } from "node:util";
import { openSilentPeer } from "../fixtures/_silentPeer.ts";
import { connect, crossipc, Deno, once, startServer } from "./_deno.ts";

const { IPCServer, IPCClient } = crossipc;
const echo = IPCServer.defineRequest<unknown, unknown>("test/echo");
const hang = IPCServer.defineRequest<void, never>("test/hang");
const add = IPCClient.defineRequest<{ a: number; b: number }, number>("client/add");

Deno.test("requests both ways and fire-and-forget, then everything closed", async () => {
  const server = await startServer();
  server.onFrameworkMessage(echo, (payload, msg) => ({ payload, runtimeId: msg.runtimeId }));
  const client = new IPCClient(server.getUrl());
  client.onFrameworkRequest(add, ({ a, b }) => a + b);
  await client.connect("deno-main");
  assert.deepEqual(await client.sendFrameworkRequest(echo, { x: "a:b" }), { payload: { x: "a:b" }, runtimeId: "deno-main" });
  assert.equal(await server.sendFrameworkMessage("deno-main", add, { a: 1, b: 2 }), 3);
  const note = once<[unknown]>((cb) => client.onFrameworkNotification("note", cb));
  const back = once<[unknown, { runtimeId?: string }]>((cb) => server.onFrameworkNotification("back", cb));
  server.sendFrameworkNotification("deno-main", "note", "to client");
  client.sendFrameworkNotification("back", "to server");
  const [[toClient], [toServer, msg]] = await Promise.all([note, back]);
  assert.deepEqual([toClient, toServer, msg.runtimeId], ["to client", "to server", "deno-main"]);
  const gone = once((cb) => server.onClientDisconnect(cb));
  client.disconnect();
  await gone;
  await server.teardown();
});

Deno.test("start() resolves false on a taken port and leaves nothing open", async () => {
  const server = await startServer();
  const second = new IPCServer(server.getPort());
  assert.equal(await second.start(), false);
  await second.teardown();
  await server.teardown();
  // Free again once teardown resolved.
  const third = new IPCServer(server.getPort());
  assert.equal(await third.start(), true);
  await third.teardown();
});

Deno.test("teardown rejects pending requests and fires onClose", async () => {
  const server = await startServer();
  server.onFrameworkMessage(hang, () => new Promise<never>(() => {}));
  const client = await connect(server);
  const closed = once((cb) => client.onClose(cb));
  // The close frame can arrive while teardown is still under way (as on Node): the rejection is watched from the start.
  const rejected = assert.rejects(client.sendFrameworkRequest(hang, undefined, 60_000), /Connection closed while request 'test\/hang' was pending \(code 1001/);
  await server.teardown();
  await closed;
  await rejected;
});

Deno.test("a request timeout rejects with the documented message and leaves no timer", async () => {
  const server = await startServer();
  server.onFrameworkMessage(hang, () => new Promise<never>(() => {}));
  const client = await connect(server);
  await assert.rejects(client.sendFrameworkRequest(hang, undefined, 100), { message: "Request 'test/hang' timed out after 100ms" });
  const gone = once((cb) => server.onClientDisconnect(cb));
  client.disconnect();
  await gone;
  await server.teardown();
});

Deno.test("heartbeat 1: a peer ignoring pings is dropped, an idle client stays usable", async () => {
  const server = await startServer({ heartbeat: 1 });
  server.onFrameworkMessage(echo, (payload) => payload);
  const dropped = once<[string, string?]>((cb) => server.onClientDisconnect((id, rid) => rid === "silent" && cb(id, rid)));
  const started = Date.now();
  const silent = await openSilentPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=silent");
  const idle = await connect(server, "idle", { heartbeatInterval: 0 });
  await dropped;
  await silent.closed;
  assert.ok(Date.now() - started >= 900, "dropped by the idle limit, not at once");
  // Silent as long as the dropped peer, but it answered the pings.
  assert.equal(idle.isConnected(), true);
  assert.equal(await idle.sendFrameworkRequest(echo, "awake"), "awake");
  const gone = once((cb) => server.onClientDisconnect(cb));
  idle.disconnect();
  await gone;
  await server.teardown();
});

Deno.test("HTTP and WebSocket proxy to a Deno.serve backend", async () => {
  const backend = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    if (request.headers.get("upgrade") !== "websocket") return Response.json({ path: new URL(request.url).pathname });
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "b" });
    socket.onmessage = (event) => socket.send(event.data);
    return response;
  });
  const server = await startServer();
  server.setRouteProxyResolver((path) => (path.startsWith("/svc") ? `http://127.0.0.1:${backend.addr.port}` : undefined));

  const response = await fetch(`${server.getUrl()}/svc/users?x=1`);
  assert.deepEqual(await response.json(), { path: "/svc/users" });
  const missing = await fetch(`${server.getUrl()}/other`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  // Offers joined with "," as `ws` sends them; Deno itself splits only on ", ".
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/svc/ws`, ["a", "b"]);
  ws.binaryType = "arraybuffer";
  await once((cb) => ws.addEventListener("open", cb));
  assert.equal(ws.protocol, "b");
  const reply = once<[MessageEvent]>((cb) => ws.addEventListener("message", cb));
  ws.send("ping");
  assert.equal((await reply)[0].data, "ping");
  const closed = once((cb) => ws.addEventListener("close", cb));
  ws.close();
  await closed;

  await server.teardown();
  await backend.shutdown();
});

Deno.test("the Node and Bun entries refuse to load in Deno, saying which entry to use", async () => {
  await assert.rejects(import("../../adapters/node.ts"), /crossipc\/node was loaded in deno: import 'crossipc' .* or 'crossipc\/deno'/);
  await assert.rejects(import("../../adapters/bun.ts"), /crossipc\/bun was loaded in deno/);
});

Deno.test("with only --allow-net, the Node and Bun entries still refuse by name, before a dependency asks Deno for env access", async () => {
  // crossws's `ws` (Node entry) and srvx's Bun build read env vars at import: loaded before the
  // entry's check, they made Deno throw "Requires env access" here, and prompt in a terminal.
  const fixture = new URL("./_wrong-entry.ts", import.meta.url).pathname;
  for (const [entry, message] of [
    ["node", "crossipc/node was loaded in deno: import 'crossipc' (its exports map picks the runtime) or 'crossipc/deno'.\n"],
    ["bun", "crossipc/bun was loaded in deno: import 'crossipc' (its exports map picks the runtime) or 'crossipc/deno'.\n"],
  ]) {
    const { stdout, stderr } = await promisify(execFile)(execPath, ["run", "--no-check", "--allow-net=127.0.0.1", fixture, entry!], {
      env: { PATH: env["PATH"] ?? "", HOME: env["HOME"] ?? "", TERM: "xterm-256color", DENO_NO_UPDATE_CHECK: "1" },
    });
    assert.equal(stdout, message);
    assert.equal(stderr, "");
  }
});

Deno.test("a hub listening on every interface answers 508 for a target named by the machine's hostname on its port (it looped)", async () => {
  const name = hostname();
  const server = await startServer({ hostname: "0.0.0.0", accessToken: "t0ken", allowedHosts: [name] });
  server.setRouteProxyResolver(() => `http://${name}:${server.getPort()}/`);
  const response = await fetch(`${server.getUrl()}/orders/1`);
  const body = await response.text();
  await server.teardown();
  assert.equal(response.status, 508, body);
});
