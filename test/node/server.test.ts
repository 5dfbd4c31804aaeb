import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { rawSocket, rejection, startServer, waitFor } from "./_helpers.ts";

const ping = IPCServer.defineRequest<string, string>("test/ping");
const whoami = IPCServer.defineRequest<void, { clientId: string; runtimeId?: string }>("test/whoami");
const work = IPCClient.defineRequest<number, number>("worker/work");

async function connect(t: { after(fn: () => unknown): void }, server: IPCServer, runtimeId?: string): Promise<IPCClient> {
  const client = new IPCClient(server.getPort());
  await client.connect(runtimeId);
  t.after(() => client.disconnect());
  return client;
}

test("start() resolves false when the port is taken, and teardown() frees it", async (t) => {
  const first = await startServer(t);
  const port = first.getPort();
  assert.ok(port > 0);
  assert.equal(first.getUrl(), `http://127.0.0.1:${port}`);
  const second = new IPCServer(port);
  assert.equal(await second.start(), false);
  await first.teardown();
  const third = new IPCServer(port);
  assert.equal(await third.start(), true);
  assert.equal(third.getPort(), port);
  await third.teardown();
});

test("start() resolves false when a plain TCP server holds the port", async (t) => {
  const blocker = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  assert.equal(await new IPCServer(port).start(), false);
});

test("handlers registered after a client connected apply to it", async (t) => {
  const server = await startServer(t);
  const client = await connect(t, server);
  assert.equal((await rejection(client.sendFrameworkRequest(ping, "x"))).message, "No handler for: test/ping");
  server.onFrameworkMessage(ping, async (s) => `pong:${s}`);
  assert.equal(await client.sendFrameworkRequest(ping, "x"), "pong:x");
});

test("handlers see clientId and runtimeId", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(whoami, async (_p, msg) => ({ clientId: msg.clientId, runtimeId: msg.runtimeId }));
  const a = await connect(t, server, "worker-a");
  const b = await connect(t, server);
  const wa = await a.sendFrameworkRequest(whoami, undefined);
  const wb = await b.sendFrameworkRequest(whoami, undefined);
  assert.equal(wa.runtimeId, "worker-a");
  assert.equal(wb.runtimeId, undefined);
  assert.notEqual(wa.clientId, wb.clientId);
});

test("sendFrameworkMessage targets a runtimeId; the newest connection wins and keeps it", async (t) => {
  const server = await startServer(t);
  assert.equal(
    (await rejection(server.sendFrameworkMessage("ghost", work, 1))).message,
    "No client connected with runtimeId: ghost",
  );
  const older = await connect(t, server, "w");
  older.onFrameworkRequest(work, async (n) => n + 1000);
  const newer = new IPCClient(server.getPort());
  newer.onFrameworkRequest(work, async (n) => n + 2000);
  await newer.connect("w");
  t.after(() => newer.disconnect());
  assert.equal(await server.sendFrameworkMessage("w", work, 1), 2001);
  let gone = 0;
  server.onClientDisconnect(() => void gone++);
  older.disconnect();
  // Asked once the server has seen the older one go: after a fixed wait it might not have yet,
  // and the check below would pass without testing anything.
  await waitFor(() => gone === 1, "older disconnect");
  assert.equal(await server.sendFrameworkMessage("w", work, 2), 2002, "the older one closing did not unregister the newer");
  newer.disconnect();
  await waitFor(() => gone === 2, "newer disconnect");
  assert.equal((await rejection(server.sendFrameworkMessage("w", work, 3))).code, "ERR_IPC_NO_CLIENT");
});

test("requests run concurrently and nest in both directions", async (t) => {
  const server = await startServer(t);
  const clientA = await connect(t, server, "a");
  const clientB = await connect(t, server, "b");
  clientB.onFrameworkRequest(work, async (n) => {
    await new Promise((r) => setTimeout(r, 20 - n));
    return n * 10;
  });
  // A's request is answered by the server asking B: a handler awaiting another client.
  server.onFrameworkMessage(IPCServer.defineRequest<number, number>("relay"), async (n) => server.sendFrameworkMessage("b", work, n));
  const relay = IPCServer.defineRequest<number, number>("relay");
  const results = await Promise.all([...Array(20).keys()].map((n) => clientA.sendFrameworkRequest(relay, n)));
  assert.deepEqual(results, [...Array(20).keys()].map((n) => n * 10));
  // And the client can call the server from inside a handler of a server request.
  server.onFrameworkMessage(ping, async (s) => `pong:${s}`);
  clientA.onFrameworkRequest(work, async (n) => Number((await clientA.sendFrameworkRequest(ping, String(n))).length));
  assert.equal(await server.sendFrameworkMessage("a", work, 12345), "pong:12345".length);
});

test("sendFrameworkMessage times out with the original text", async (t) => {
  const server = await startServer(t);
  const client = await connect(t, server, "slow");
  client.onFrameworkRequest(work, () => new Promise<number>(() => {}));
  const error = await rejection(server.sendFrameworkMessage("slow", work, 1, 50));
  assert.equal(error.message, "Request 'worker/work' timed out after 50ms");
  assert.equal(error.code, "ERR_IPC_TIMEOUT");
});

test("fire-and-forget notifications go both ways", async (t) => {
  const server = await startServer(t);
  const fromClients: unknown[] = [];
  server.onFrameworkNotification("log/line", (payload, msg) => void fromClients.push([payload, msg.runtimeId]));
  const client = await connect(t, server, "n1");
  const fromServer: unknown[] = [];
  client.onFrameworkNotification("config/changed", (p) => void fromServer.push(p));
  client.sendFrameworkNotification("log/line", "hello");
  server.sendFrameworkNotification("n1", "config/changed", { key: "a" });
  server.broadcastFrameworkNotification("config/changed", { key: "b" });
  await waitFor(() => fromClients.length === 1 && fromServer.length === 2, "notifications");
  assert.deepEqual(fromClients, [["hello", "n1"]]);
  assert.deepEqual(fromServer, [{ key: "a" }, { key: "b" }]);
  assert.throws(() => server.sendFrameworkNotification("nobody", "x", 1), { code: "ERR_IPC_NO_CLIENT" });
});

test("onClientConnect and onClientDisconnect fire for every client, also when its socket dies", async (t) => {
  const server = await startServer(t);
  const events: string[] = [];
  server.onClientConnect((id, rid) => void events.push(`+${rid ?? "-"}`));
  server.onClientDisconnect((id, rid) => void events.push(`-${rid ?? "-"}`));
  server.onClientConnect(() => {
    throw new Error("a broken listener must not break the server");
  });

  const client = await connect(t, server, "polite");
  client.disconnect();
  await waitFor(() => events.length === 2, "polite disconnect");

  // A raw socket destroyed without a close frame, as when a process dies.
  const raw = await rawSocket(server.getPort(), "?runtimeId=rude");
  await waitFor(() => events.length === 3, "rude connect");
  raw.ws.terminate();
  await waitFor(() => events.length === 4, "rude disconnect");

  // A child process killed with SIGKILL.
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCClient } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const c = new IPCClient(${server.getPort()}); await c.connect("killed"); console.log("up");
    setInterval(() => {}, 1000);
  `], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((r) => child.stdout!.once("data", r));
  child.kill("SIGKILL");
  await waitFor(() => events.length === 6, "killed child disconnect");
  assert.deepEqual(events, ["+polite", "-polite", "+rude", "-rude", "+killed", "-killed"]);
});

test("a request pending on a client is rejected at once when that client dies", async (t) => {
  const server = await startServer(t);
  const raw = await rawSocket(server.getPort(), "?runtimeId=doomed");
  const pending = server.sendFrameworkMessage("doomed", work, 1, 60_000);
  await raw.next();
  raw.ws.terminate();
  const error = await rejection(pending);
  assert.equal(error.code, "ERR_IPC_CLOSED");
  assert.match(error.message, /worker\/work/);
});

test("teardown closes clients, rejects their pending requests and lets the port go", async (t) => {
  const server = new IPCServer(0);
  await server.start();
  const port = server.getPort();
  const client = new IPCClient(port);
  await client.connect("t");
  client.onFrameworkRequest(work, () => new Promise<number>(() => {}));
  server.onFrameworkMessage(ping, () => new Promise<string>(() => {}));
  let closed = 0;
  client.onClose(() => void closed++);
  const serverSide = rejection(server.sendFrameworkMessage("t", work, 1, 60_000));
  const clientSide = rejection(client.sendFrameworkRequest(ping, "x", 60_000));
  await new Promise((r) => setTimeout(r, 20));
  await server.teardown();
  assert.equal((await serverSide).code, "ERR_IPC_CLOSED");
  assert.equal((await clientSide).code, "ERR_IPC_CLOSED");
  await waitFor(() => closed === 1, "client onClose");
  assert.equal(client.isConnected(), false);
  const again = new IPCServer(port);
  assert.equal(await again.start(), true);
  await again.teardown();
});
