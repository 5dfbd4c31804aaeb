/**
 * Bun's own limits, configured by the adapter: WebSocket `maxPayloadLength` follows
 * `maxMessageSize` (Bun's default is 16 MiB), WebSockets are pinged and a silent-but-alive
 * client survives the idle limit (`heartbeat`), and the 10 s HTTP idle timeout is off.
 */
import { expect, test } from "bun:test";
import { openSilentPeer } from "../fixtures/_silentPeer.ts";
import { connect, crossipc, once, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<string, number>("test/length");
const MiB = 1024 * 1024;

test.concurrent("a 20 MiB message passes with the default maxMessageSize (64 MiB), over Bun's 16 MiB default", async () => {
  const server = await startServer();
  server.onFrameworkMessage(echo, (text) => text.length);
  const client = await connect(server);
  expect(await client.sendFrameworkRequest(echo, "x".repeat(20 * MiB), 30_000)).toBe(20 * MiB);
  client.disconnect();
  await server.teardown();
}, 30_000);

test.concurrent("a message over maxMessageSize closes that connection with 1009, unhandled", async () => {
  const server = await startServer({ maxMessageSize: MiB });
  let handled = 0;
  server.onFrameworkMessage(echo, (text) => ++handled && text.length);
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection`);
  await once((cb) => ws.addEventListener("open", cb));
  const closed = once<[CloseEvent]>((cb) => ws.addEventListener("close", cb));
  ws.send(`r:1:test/length:"${"x".repeat(MiB + 10)}"`);
  expect((await closed)[0].code).toBe(1009);
  const client = await connect(server);
  expect(await client.sendFrameworkRequest(echo, "ok")).toBe(2);
  expect(handled).toBe(1);
  client.disconnect();
  await server.teardown();
});

test.concurrent("heartbeat 1: a peer ignoring pings is dropped, an idle client stays usable", async () => {
  const server = await startServer({ heartbeat: 1 });
  server.onFrameworkMessage(echo, (text) => text.length);
  const gone = once<[string, string?]>((cb) => server.onClientDisconnect((id, rid) => rid === "silent" && cb(id, rid)));
  const started = Date.now();
  const silent = await openSilentPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=silent");
  const idle = await connect(server, "idle", { heartbeatInterval: 0 });
  await gone;
  await silent.closed;
  // Bun rounds WebSocket idle timeouts up to its 8 s minimum; the idle client saw the same silence.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(idle.isConnected()).toBe(true);
  expect(await idle.sendFrameworkRequest(echo, "awake")).toBe(5);
  idle.disconnect();
  await server.teardown();
}, 30_000);

// Bun checks its timeouts in 4 s ticks: a 10 s limit cuts a request off after about 12 s.
test.concurrent("a request that takes 15 s is not cut off by Bun's 10 s HTTP idle timeout", async () => {
  const server = await startServer();
  server.interceptHttp("GET", "/slow", async () => {
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    return { late: true };
  });
  const response = await fetch(`${server.getUrl()}/slow`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ late: true });
  await server.teardown();
}, 30_000);
