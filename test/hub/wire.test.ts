/**
 * The hub on the wire, in each runtime: a ServiceHub process under node, bun and deno gets
 * hand-written frames and must answer grest-ts's discovery requests byte for byte, proxy
 * HTTP and WebSocket traffic to what was registered, and evict a connection's routes when
 * it dies.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { test } from "node:test";
import WebSocket from "ws";
import { startEchoService } from "../fixtures/_echoService.ts";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const FRAMEWORK = "/__ggFrameworkConnection";

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: discovery requests, proxying and eviction on the wire`, async (t) => {
    const hub = start(runtime, "test/fixtures/service-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the hub's port");
    const url = `http://127.0.0.1:${port}`;
    const echo = await startEchoService("echo");
    t.after(() => echo.close());

    const raw = await openRaw(`ws://127.0.0.1:${port}${FRAMEWORK}?runtimeId=wire-${runtime}`);
    raw.send(`r:1:discovery/register:[{"api":"users","baseUrl":"${echo.url}","pathPrefix":"/users"}]`);
    assert.equal(await raw.next(), 's:1:discovery/register:{"success":true}');
    raw.send('r:2:discovery/discoverApi:"users"');
    assert.equal(await raw.next(), `s:2:discovery/discoverApi:{"success":true,"data":{"success":true,"url":"${url}"}}`);
    raw.send('r:3:discovery/discoverApi:"orders"');
    assert.equal(await raw.next(), `s:3:discovery/discoverApi:{"success":true,"data":{"success":false,"error":"Service 'orders' is not registered! Did you forget to start it?"}}`);
    raw.send("r:4:discovery/getServerInfo:");
    assert.equal(await raw.next(), 's:4:discovery/getServerInfo:{"success":true,"data":{"kind":"embedded"}}');

    const viaHub = await fetch(`${url}/users/42?q=1`);
    assert.deepEqual(await viaHub.json(), { service: "echo", runtime: "node", pid: process.pid, method: "GET", path: "/users/42" });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/users/live`);
    await once(ws, "open");
    ws.send("hi");
    assert.equal(String((await once(ws, "message"))[0]), "echo:hi");
    ws.close();

    raw.send('r:5:discovery/unregister:[{"api":"users","baseUrl":"' + echo.url + '","pathPrefix":"/users"}]');
    assert.equal(await raw.next(), 's:5:discovery/unregister:{"success":true}');
    assert.equal((await fetch(`${url}/users/42`)).status, 404);

    // A connection that dies without a word loses its routes.
    raw.send(`r:6:discovery/register:[{"api":"users","baseUrl":"${echo.url}","pathPrefix":"/users"}]`);
    assert.equal(await raw.next(), 's:6:discovery/register:{"success":true}');
    assert.equal((await fetch(`${url}/users/1`)).status, 200);
    raw.ws.terminate();
    await until(async () => (await fetch(`${url}/users/1`)).status === 404, "eviction");

    // requestYield: answered, then the port is handed over.
    const yielder = await openRaw(`ws://127.0.0.1:${port}${FRAMEWORK}`);
    yielder.send("r:1:discovery/requestYield:");
    assert.equal(await yielder.next(), 's:1:discovery/requestYield:{"success":true}');
    await once(yielder.ws, "close");
    await until(() => portIsFree(port), "the port to be free after the yield");

    hub.proc.stdin.end();
    assert.equal(await waitExit(hub, 10_000, "exit after stdin closed"), 0);
    assert.equal(hub.stderr(), "", "the hub printed nothing");
  });
}

async function openRaw(url: string) {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data) => {
    frames.push(String(data));
    waiters.splice(0).forEach((w) => w());
  });
  await once(ws, "open");
  return {
    ws,
    send: (frame: string) => ws.send(frame),
    async next(): Promise<string> {
      const deadline = Date.now() + 10_000;
      while (frames.length === 0) {
        if (Date.now() > deadline) throw new Error("no frame within 10 s");
        await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 100)));
      }
      return frames.shift()!;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}
