/**
 * The order of a request on hubs under Node, Bun and Deno (`test/fixtures/pipeline-hub.ts`),
 * driven from this Node process with `connectMocks`:
 * - a request a rule read and passed on reaches the service with the client's address in
 *   `x-forwarded-for`, as the same request with no rule does;
 * - an upgrade: a `status` fault refuses it (journaled with the fault), a scope's WebSocket rule
 *   takes its scope's upgrade, an unscoped one the others, and without rules the service does;
 * - a `latency` fault on a busy socket holds at most `maxBufferedAmount` bytes of frames: past
 *   that both ends are closed with 1013;
 * - a HEAD meets a step's GET rules (a scope's, the unscoped ones, the hub's intercept routes) when
 *   none of its own matches: their status and headers, no body bytes on the wire.
 *
 *   node --import tsx test/matrix/pipeline.ts [--servers node,bun] [--only TEXT (cases whose name holds it)]
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
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
  [
    "a HEAD meets the GET rules of each step when none of its own matches: their status and headers, no body",
    async (port) => {
      const hubUrl = `http://127.0.0.1:${port}`;
      await fetch(`${hubUrl}/__crossipc/api/journal`, { method: "DELETE" });
      // (3) the hub's own intercept route
      const own = await rawHead(port, "/own/7");
      assert.match(own.head, /^HTTP\/1\.1 200 /);
      assert.match(own.head, /\r\ncontent-type: application\/json/i);
      assert.match(own.head, /\r\ncontent-length: 10\r\n/i, `the GET's length ({"id":"7"}): ${own.head}`);
      assert.equal(own.after, "", "no body after the head");
      await using mocks = await connectMocks(port);
      const scope = mocks.scope();
      // (1) a scope's GET rule, (2) an unscoped GET rule, then a HEAD rule of its own winning over a GET one.
      const scoped = await scope.interceptRequest("GET", "/backend/scoped", (request) => new Response(`scoped ${request.method}`, { status: 203, headers: { "x-rule": "scoped" } }));
      const unscoped = await mocks.intercept("GET", "/backend/unscoped", () => ({ rule: "unscoped" }));
      await mocks.intercept("HEAD", "/backend/both", () => ({ rule: "head" }));
      await mocks.intercept("GET", "/backend/both", () => ({ rule: "get, newer" }));
      const scopedHead = await fetch(`${hubUrl}/backend/scoped`, { method: "HEAD", headers: scope.headers });
      assert.equal(scopedHead.status, 203);
      assert.equal(scopedHead.headers.get("x-rule"), "scoped");
      assert.equal(scopedHead.headers.get("content-length"), "11", "the length of 'scoped HEAD'");
      assert.equal(await scopedHead.text(), "");
      assert.equal(scoped.calls, 1);
      const unscopedHead = await rawHead(port, "/backend/unscoped");
      assert.match(unscopedHead.head, /^HTTP\/1\.1 200 /);
      assert.match(unscopedHead.head, /\r\ncontent-length: 19\r\n/i, unscopedHead.head);
      assert.equal(unscopedHead.after, "");
      assert.equal(unscoped.calls, 1);
      assert.equal((await fetch(`${hubUrl}/backend/both`, { method: "HEAD" })).headers.get("content-length"), "15", "the HEAD rule's {\"rule\":\"head\"}");
      // Without a rule for its path, a HEAD goes to the service.
      assert.equal((await fetch(`${hubUrl}/backend/echo`, { method: "HEAD" })).status, 200);
      const journal = (await (await fetch(`${hubUrl}/__crossipc/api/journal?method=HEAD`)).json()) as { entries: Array<{ path: string; takenBy: string; route?: string }> };
      assert.deepEqual(
        journal.entries.map((entry) => `${entry.path} ${entry.takenBy} ${entry.route ?? ""}`),
        ["/own/7 intercept GET /own/:id", "/backend/scoped mock GET /backend/scoped", "/backend/unscoped mock GET /backend/unscoped", "/backend/both mock HEAD /backend/both", "/backend/echo proxy "],
      );
    },
  ],
];

/** A HEAD over a raw socket: the answer's head, and whatever came after it before the hub closed the connection. */
function rawHead(port: number, path: string): Promise<{ head: string; after: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`HEAD ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const end = text.indexOf("\r\n\r\n");
      resolve({ head: text.slice(0, end + 2), after: text.slice(end + 4) });
    });
  });
}

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
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const backend = await startBackend();
const failures: string[] = [];
let passed = 0;

for (const server of servers) {
  const hub = start(server, "test/fixtures/pipeline-hub.ts", ["--backend", backend.url]);
  const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
  for (const [name, run] of CASES) {
    if (only !== undefined && !name.includes(only)) continue;
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
