/**
 * The order of a request on hubs under Node, Bun and Deno (`test/fixtures/pipeline-hub.ts`),
 * driven from this Node process with `connectMocks`:
 * - a request a rule read and passed on reaches the service with the client's address in
 *   `x-forwarded-for`, as the same request with no rule does;
 * - an upgrade: a `status` fault refuses it (journaled with the fault), a scope's WebSocket rule
 *   takes its scope's upgrade, an unscoped one the others, and without rules the service does;
 * - a `latency` fault on a busy socket holds at most `maxBufferedAmount` bytes of frames: past
 *   that both ends are closed with 1013.
 *
 *   node --import tsx test/matrix/pipeline.ts [--servers node,bun]
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import WebSocket from "ws";
import { connectMocks, passthrough } from "../../adapters/node.ts";
import { startBackend } from "./_backend.ts";
import { RUNTIMES, start, stopHub, type Runtime } from "./_spawn.ts";

type Case = [string, (port: number, server: Runtime) => Promise<void>];

const CASES: Case[] = [
  [
    "a request a rule read and passed on keeps the client's address (x-forwarded-for) and its body",
    async (port) => {
      const hubUrl = `http://127.0.0.1:${port}`;
      const echo = (headers?: Record<string, string>) =>
        fetch(`${hubUrl}/backend/echo`, { method: "POST", body: "héllo ✓", headers }).then((r) => r.json() as Promise<{ headers: Record<string, string>; body: string }>);
      const plain = await echo();
      assert.ok(plain.headers["x-forwarded-for"], `the proxy adds x-forwarded-for: ${JSON.stringify(plain.headers)}`);
      await using mocks = await connectMocks(port);
      const scope = mocks.scope();
      let read = "";
      const rule = await scope.intercept("POST", "/backend/echo", (body) => ((read = String(body)), passthrough()));
      const passed = await echo(scope.headers);
      assert.equal(rule.calls, 1);
      assert.equal(read, "héllo ✓", "the rule read the body");
      assert.equal(passed.body, "héllo ✓");
      assert.equal(passed.headers["x-forwarded-for"], plain.headers["x-forwarded-for"]);
    },
  ],
  [
    "an upgrade: a status, reset or timeout fault refuses it; a scope's WebSocket rule, then an unscoped one, then the service",
    async (port) => {
      const hubUrl = `http://127.0.0.1:${port}`;
      await using mocks = await connectMocks(port);
      const scope = mocks.scope();
      assert.equal(await firstFrame(port, "/backend/ws?id=order-1"), "welcome:");
      await mocks.interceptWebSocket("/backend/ws", (socket) => socket.send("unscoped"));
      await scope.interceptWebSocket("/backend/ws", (socket) => socket.send("scoped"));
      assert.equal(await firstFrame(port, "/backend/ws?id=order-2", scope.headers), "scoped");
      assert.equal(await firstFrame(port, "/backend/ws?id=order-3"), "unscoped");
      const fault = await scope.fault({ path: "/backend/ws" }, { status: 503 });
      assert.equal(await firstFrame(port, "/backend/ws?id=order-4", scope.headers), "refused 503");
      assert.equal(await firstFrame(port, "/backend/ws?id=order-5"), "unscoped", "a scope's fault is its own");
      await fault.remove();
      // reset and timeout: no answer at all (the held upgrade is let go at teardown, which must stay clean).
      await scope.fault({ path: "/backend/ws" }, { reset: true, times: 1 });
      assert.match(await firstFrame(port, "/backend/ws?id=order-6", scope.headers), /^error: /);
      await scope.fault({ path: "/backend/ws" }, { timeout: true, times: 1 });
      assert.match(await firstFrame(port, "/backend/ws?id=order-7", scope.headers), /^error: Opening handshake has timed out/);
      assert.equal(await firstFrame(port, "/backend/ws?id=order-8", scope.headers), "scoped", "the hub goes on serving");
      const journal = (await (await fetch(`${hubUrl}/__crossipc/api/journal?kind=websocket&scope=${scope.id}`)).json()) as {
        entries: Array<{ path: string; status: number; takenBy: string; fault?: { kind: string } }>;
      };
      const refused = journal.entries.find((entry) => entry.path.endsWith("order-4"));
      assert.equal(refused?.status, 503);
      assert.equal(refused?.fault?.kind, "status");
      assert.equal(journal.entries.find((entry) => entry.path.endsWith("order-2"))?.takenBy, "mock");
    },
  ],
  [
    "a latency fault holds at most maxBufferedAmount bytes of a socket's frames: past it both ends close with 1013",
    async (port, server) => {
      const hubUrl = `http://127.0.0.1:${port}`;
      await using mocks = await connectMocks(port);
      const id = `held-${Date.now()}`;
      await mocks.fault({ path: "/backend/ws" }, { latency: 60_000 });
      const client = new WebSocket(`ws://127.0.0.1:${port}/backend/ws?id=${id}`);
      await once(client, "open");
      const closed = once(client, "close");
      // A chatty socket: a frame of 1 KiB every 2 ms, each held a minute, against the hub's 64 KiB.
      // (Paced: Deno's server socket, closed under a burst already on the wire, drops the TCP
      // connection before the client reads the close frame.)
      for (let i = 0; i < 200 && client.readyState === WebSocket.OPEN; i++) {
        client.send(Buffer.alloc(1024, i));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const [code, reason] = await closed;
      assert.equal(code, 1013);
      assert.match(String(reason), /too many delayed frames/);
      const backendClose = (await (await fetch(`${backend.url}/backend/closed/${id}`)).json()) as { code: number; reason: string };
      // The backend's side is the hub's client WebSocket: Deno's (WHATWG) one may send only 1000
      // or 3000–4999, so there the backend gets 1000 with the reason (as the relay's own 1013).
      assert.ok(backendClose.code === 1013 || (server === "deno" && backendClose.code === 1000), `the backend's side closed with ${backendClose.code}`);
      assert.match(backendClose.reason, /too many delayed frames/);
      assert.equal((await fetch(`${hubUrl}/backend/echo`)).status, 200, "the hub goes on serving");
    },
  ],
];

/** The first frame the socket gets, `refused <status>`, or `error: <message>`. */
function firstFrame(port: number, path: string, headers?: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers, handshakeTimeout: 1000 });
    ws.on("message", (data) => {
      resolve(data.toString());
      ws.close();
    });
    ws.on("unexpected-response", (_request, response) => {
      resolve(`refused ${response.statusCode}`);
      response.resume();
    });
    ws.on("error", (error) => resolve(`error: ${error.message}`));
  });
}

/** A case that hangs fails (and the next one runs). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pick(flag: string): Runtime[] {
  const index = process.argv.indexOf(flag);
  return index === -1 ? RUNTIMES : (process.argv[index + 1]!.split(",") as Runtime[]);
}

const servers = pick("--servers");
const backend = await startBackend();
const failures: string[] = [];
let passed = 0;

for (const server of servers) {
  const hub = start(server, "test/fixtures/pipeline-hub.ts", ["--backend", backend.url]);
  const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
  for (const [name, run] of CASES) {
    try {
      await withTimeout(run(port, server), 20_000, name);
      passed++;
    } catch (error) {
      failures.push(`${server} hub: ${name}\n${(error as Error).stack}`);
    }
  }
  failures.push(...(await stopHub(hub)));
}
await backend.close();

console.log(`pipeline matrix: ${passed} passed, ${failures.length} failed`);
for (const failure of failures) console.log(`  FAIL ${failure}`);
process.exitCode = failures.length ? 1 : 0;
