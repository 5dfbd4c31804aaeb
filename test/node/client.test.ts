import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { deadPort, rejection, startServer, waitFor } from "./_helpers.ts";

const ping = IPCServer.defineRequest<string, string>("test/ping");
const command = IPCClient.defineRequest<{ n: number }, number>("worker/command");

test("onFrameworkRequest registered before connect answers server requests", async (t) => {
  const server = await startServer(t);
  const client = new IPCClient(server.getPort());
  client.onFrameworkRequest(command, async ({ n }) => n * 3);
  await client.connect("early");
  t.after(() => client.disconnect());
  assert.equal(await server.sendFrameworkMessage("early", command, { n: 14 }), 42);
});

test("connect() is a no-op when connected, and accepts a URL", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(ping, async (s) => s);
  const client = new IPCClient(server.getUrl());
  await client.connect();
  await client.connect();
  await Promise.all([client.connect(), client.connect()]);
  assert.equal(await client.sendFrameworkRequest(ping, "via url"), "via url");
  client.disconnect();
  assert.equal(client.isConnected(), false);
});

test("a URL that already names the framework path connects to its server", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(ping, async (s) => s);
  const client = new IPCClient(`ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection`);
  await client.connect("raw-url");
  t.after(() => client.disconnect());
  assert.equal(await client.sendFrameworkRequest(ping, "framework path"), "framework path");
});

test("requests on a client that is not connected reject at once with a clear error", async () => {
  const client = new IPCClient(1);
  const error = await rejection(client.sendFrameworkRequest(ping, "x"));
  assert.equal(error.code, "ERR_IPC_NOT_CONNECTED");
  assert.match(error.message, /Not connected to IPC server at ws:\/\/127\.0\.0\.1:1 \(request 'test\/ping'\)/);
  assert.throws(() => client.sendFrameworkNotification("x", 1), { code: "ERR_IPC_NOT_CONNECTED" });
});

test("connect() rejects clearly when nothing listens", async () => {
  const port = await deadPort();
  const error = await rejection(new IPCClient(port).connect());
  assert.equal(error.code, "ERR_IPC_CONNECT");
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

test("connect() rejects after connectTimeout when the server never answers the upgrade", async (t) => {
  // Accepts TCP connections and says nothing.
  const silent = net.createServer(() => {}).listen(0, "127.0.0.1");
  await new Promise((r) => silent.once("listening", r));
  t.after(() => {
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const hold = setTimeout(() => {}, 5000);
  const started = Date.now();
  const error = await rejection(new IPCClient(port, { connectTimeout: 200 }).connect());
  clearTimeout(hold);
  assert.equal(error.code, "ERR_IPC_CONNECT");
  assert.match(error.message, /timeout/i);
  assert.ok(Date.now() - started < 3000);
});

test("onClose fires once and pending requests reject when the server process is killed", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCServer } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const s = new IPCServer(0); await s.start();
    s.onFrameworkMessage("test/ping", () => new Promise(() => {}));
    console.log(s.getPort());
  `], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  const port = Number(await new Promise<string>((r) => child.stdout!.once("data", (d) => r(String(d)))));
  const client = new IPCClient(port);
  await client.connect();
  let closes = 0;
  client.onClose(() => void closes++);
  const pending = rejection(client.sendFrameworkRequest(ping, "x", 60_000));
  await new Promise((r) => setTimeout(r, 50));
  child.kill("SIGKILL");
  const error = await pending;
  assert.equal(error.code, "ERR_IPC_CLOSED");
  await waitFor(() => closes === 1, "onClose");
  assert.equal(client.isConnected(), false);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closes, 1);
});

test("leader election: one start() wins, a follower takes over when the leader dies", async () => {
  const port = await deadPort();

  const candidates = [new IPCServer(port), new IPCServer(port), new IPCServer(port)];
  const results = await Promise.all(candidates.map((s) => s.start()));
  assert.equal(results.filter(Boolean).length, 1);
  const leader = candidates[results.indexOf(true)]!;

  const follower = new IPCClient(port);
  await follower.connect();
  const successor = new IPCServer(port);
  const tookOver = new Promise<boolean>((resolve) => follower.onClose(() => resolve(successor.start())));
  await leader.teardown();
  assert.equal(await tookOver, true);
  await successor.teardown();
});
