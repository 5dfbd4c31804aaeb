import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import fc from "fast-check";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { IPCClient, IPCServer, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { rawSocket, startServer, waitFor } from "./_helpers.ts";
import { floodClient } from "../fixtures/_flood.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

test("a client stopped with SIGSTOP is found dead by the server's heartbeat", async (t) => {
  const server = await startServer(t, { heartbeat: 1 });
  const work = IPCClient.defineRequest<void, void>("work");
  const gone: string[] = [];
  server.onClientDisconnect((_id, runtimeId) => void gone.push(runtimeId ?? "-"));
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCClient } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const c = new IPCClient(${server.getPort()}, { heartbeatInterval: 0 });
    c.onFrameworkRequest("work", () => new Promise(() => {}));
    await c.connect("frozen"); console.log("up");
    setInterval(() => {}, 1000);
  `], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((r) => child.stdout!.once("data", r));
  const pending = server.sendFrameworkMessage("frozen", work, undefined, 60_000).then(() => "answered", (e: { code?: string }) => e.code);
  child.kill("SIGSTOP");
  const started = Date.now();
  await waitFor(() => gone.length === 1, "disconnect of the stopped client", 8000);
  assert.ok(Date.now() - started <= 3000, `found within 2 heartbeats (took ${Date.now() - started}ms)`);
  assert.equal(await pending, "ERR_IPC_CLOSED");
  child.kill("SIGCONT");
});

test("teardown finishes promptly while a client is frozen", async (t) => {
  const server = new IPCServer(0);
  await server.start();
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
    import { IPCClient } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
    const c = new IPCClient(${server.getPort()}, { heartbeatInterval: 0 }); await c.connect(); console.log("up");
    setInterval(() => {}, 1000);
  `], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((r) => child.stdout!.once("data", r));
  child.kill("SIGSTOP");
  const started = Date.now();
  await server.teardown();
  assert.ok(Date.now() - started < 3000, `teardown took ${Date.now() - started}ms`);
  const successor = new IPCServer(server.getPort());
  assert.equal(await successor.start(), true, "the port is free again");
  await successor.teardown();
});

test("a client that does not read is dropped once too much is queued for it", async (t) => {
  const warnings: string[] = [];
  const server = await startServer(t, { maxBufferedAmount: 256 * 1024, logger: { warn: (m) => void warnings.push(m) } });
  const raw = await rawSocket(server.getPort(), "?runtimeId=sloth");
  // Stop reading: the kernel buffers fill, then the server's queue grows.
  (raw.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const gone = new Promise<void>((resolve) => server.onClientDisconnect(() => resolve()));
  await floodClient(server, "sloth", 400);
  await gone;
  assert.ok(warnings.some((w) => /slow client/i.test(w)), warnings.join("\n"));
  const fresh = new IPCClient(server.getPort());
  server.onFrameworkMessage(echo, async (x) => x);
  await fresh.connect();
  assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
  fresh.disconnect();
});

test("100,000 random and mutated frames never break the server", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, async (x) => x);
  server.onFrameworkMessage(IPCServer.defineRequest<void, void>("boom"), async () => {
    throw new Error("boom");
  });
  const valid = ["r:1:echo:{}", 'r:2:echo:[1,"a:b"]', "m::echo:1", "s:1:echo:{\"success\":true}", "r:3:boom:", "r:4:nope:"];
  const frame = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.string({ unit: "binary", maxLength: 64 }),
    fc.tuple(fc.constantFrom(...valid), fc.nat({ max: 20 }), fc.string({ maxLength: 8 })).map(([f, at, junk]) => f.slice(0, at) + junk + f.slice(at)),
    fc.tuple(fc.constantFrom("r", "s", "m", "x", ""), fc.string({ maxLength: 6 }), fc.string({ maxLength: 12 }), fc.string({ maxLength: 32 })).map((p) => p.join(":")),
  );
  const frames = fc.sample(frame, { numRuns: 100_000, seed: 42 });
  const gc = collector();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sockets = await Promise.all([0, 1, 2, 3].map(() => rawSocket(server.getPort())));
  for (let i = 0; i < frames.length; i++) {
    sockets[i % 4]!.send(frames[i]!);
    if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
  }
  // Each socket is still open and a valid request on it is answered.
  for (const [n, raw] of sockets.entries()) {
    raw.frames.length = 0;
    raw.send(`r:999999:echo:"alive ${n}"`);
    let answer = "";
    while (!answer.startsWith("s:999999:")) answer = await raw.next();
    assert.equal(answer, `s:999999:echo:{"success":true,"data":"alive ${n}"}`);
    raw.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const grownMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  // The frames themselves are still referenced by `frames`; what the server kept must be near zero.
  assert.ok(grownMiB < 4, `heap grew ${grownMiB.toFixed(1)} MiB`);
});

test("1,000 clients with 10 requests each get every answer, matched to its request", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(IPCServer.defineRequest<{ c: number; i: number }, string>("id"), async ({ c, i }, msg) => `${msg.runtimeId}:${c}:${i}`);
  const clients: IPCClient[] = [];
  for (let c = 0; c < 1000; c += 100) {
    const batch = [...Array(100).keys()].map((k) => new IPCClient(server.getPort(), { heartbeatInterval: 0 }));
    await Promise.all(batch.map((client, k) => client.connect(`r${c + k}`)));
    clients.push(...batch);
  }
  t.after(() => clients.forEach((c) => c.disconnect()));
  const id = IPCServer.defineRequest<{ c: number; i: number }, string>("id");
  const answers = await Promise.all(clients.flatMap((client, c) => [...Array(10).keys()].map((i) => client.sendFrameworkRequest(id, { c, i }))));
  assert.equal(answers.length, 10_000);
  answers.forEach((answer, n) => assert.equal(answer, `r${Math.floor(n / 10)}:${Math.floor(n / 10)}:${n % 10}`));
});

test("a burst of 20,000 fire-and-forget frames, then a request that is answered", async (t) => {
  const server = await startServer(t);
  let received = 0;
  server.onFrameworkNotification("tick", () => void received++);
  server.onFrameworkMessage(echo, async (x) => x);
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}${INTERNAL_SOCKET_PATH}`);
  await new Promise((r) => ws.once("open", r));
  for (let i = 0; i < 20_000; i++) ws.send(`m::tick:${i}`);
  ws.send("r:1:echo:\"after the burst\"");
  const answer = await new Promise<string>((r) => ws.once("message", (d) => r(String(d))));
  assert.equal(answer, 's:1:echo:{"success":true,"data":"after the burst"}');
  assert.equal(received, 20_000);
  ws.close();
});

/** `gc()` without starting Node with --expose-gc. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
