import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { test } from "node:test";
import WebSocket from "ws";
import { IPCClient, IPCServer, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { rawSocket, rejection, startServer, waitFor } from "./_helpers.ts";

const ping = IPCServer.defineRequest<void, string>("test/ping");

/** Opens the framework path with the given headers and resolves the HTTP status of the answer (101 = accepted). */
async function upgradeStatus(port: number, headers: Record<string, string>, query = ""): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}${query}`, { headers });
  return new Promise((resolve) => {
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
  });
}

test("a browser page of another origin cannot open the framework connection", async (t) => {
  const server = await startServer(t);
  assert.equal(await upgradeStatus(server.getPort(), { origin: "https://evil.example" }), 403);
  assert.equal(await upgradeStatus(server.getPort(), {}), 101, "runtime clients send no Origin");
});

test("allowedOrigins admits the user's own pages", async (t) => {
  const server = await startServer(t, { allowedOrigins: ["http://localhost:5173"] });
  assert.equal(await upgradeStatus(server.getPort(), { origin: "http://localhost:5173" }), 101);
  assert.equal(await upgradeStatus(server.getPort(), { origin: "http://localhost:5174" }), 403);
});

test("a Host that is not loopback or an IP is refused (DNS rebinding)", async (t) => {
  const server = await startServer(t);
  const port = server.getPort();
  assert.equal(await upgradeStatus(port, { host: `rebind.attacker.example:${port}` }), 403);
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
    assert.equal(await upgradeStatus(port, { host }), 101, host);
  }
  // A plain HTTP request to the framework path gets the same verdict (fetch cannot set Host).
  const req = http.get({ host: "127.0.0.1", port, path: INTERNAL_SOCKET_PATH, headers: { host: "rebind.attacker.example" } });
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  res.resume();
  assert.equal(res.statusCode, 403);
});

test("with an access token, clients without it or with a wrong one are refused clearly on both sides", async (t) => {
  const warnings: string[] = [];
  const server = await startServer(t, { accessToken: "s3cret", logger: { warn: (m) => void warnings.push(m) } });
  server.onFrameworkMessage(ping, async () => "pong");
  for (const token of [undefined, "wrong"]) {
    const error = await rejection(new IPCClient(server.getPort(), { accessToken: token }).connect());
    assert.equal(error.code, "ERR_IPC_UNAUTHORIZED", String(token));
    assert.match(error.message, /missing or wrong access token/);
  }
  assert.ok(warnings.filter((w) => /access token/.test(w)).length >= 2, "the server logged each refusal");
  const client = new IPCClient(server.getPort(), { accessToken: "s3cret" });
  await client.connect();
  t.after(() => client.disconnect());
  assert.equal(await client.sendFrameworkRequest(ping, undefined), "pong");
});

test("an oversize frame closes only that connection with 1009", async (t) => {
  const server = await startServer(t, { maxMessageSize: 1024 });
  const handled: number[] = [];
  server.onFrameworkMessage(IPCServer.defineRequest<string, number>("size"), async (s) => {
    handled.push(s.length);
    return s.length;
  });
  const bystander = new IPCClient(server.getPort());
  await bystander.connect();
  t.after(() => bystander.disconnect());
  const raw = await rawSocket(server.getPort());
  const closed = once(raw.ws, "close");
  raw.send(`r:1:size:${JSON.stringify("x".repeat(4096))}`);
  const [code] = (await closed) as [number];
  assert.equal(code, 1009);
  assert.deepEqual(handled, [], "the oversize request was never handled");
  assert.equal(await bystander.sendFrameworkRequest(IPCServer.defineRequest<string, number>("size"), "ok"), 2);
});

test("a server that stops answering is found dead by the client's heartbeat", async (t) => {
  // A server that accepts the framework connection and then answers nothing, the heartbeat
  // included (`__crossipc/ping` is the hub's own name: no IPCServer handler can hold it).
  const { WebSocketServer } = await import("ws");
  const frozen = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(frozen, "listening");
  t.after(() => new Promise<void>((resolve) => frozen.close(() => resolve())));
  frozen.on("connection", (ws) => t.after(() => ws.terminate()));
  const client = new IPCClient((frozen.address() as { port: number }).port, { heartbeatInterval: 100, heartbeatTimeout: 200 });
  await client.connect();
  let closed = false;
  client.onClose(() => void (closed = true));
  const pending = rejection(client.sendFrameworkRequest(ping, undefined, 60_000));
  const hold = setTimeout(() => {}, 5000);
  await waitFor(() => closed, "heartbeat close", 3000);
  clearTimeout(hold);
  assert.equal((await pending).code, "ERR_IPC_CLOSED");
  assert.equal(client.isConnected(), false);
});
