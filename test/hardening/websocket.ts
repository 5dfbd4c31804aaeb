/**
 * Proxied WebSockets whose far side does not read (issue 21): a backend flooding a client that
 * never reads, and a client flooding a backend that never reads. A hub may stop reading the
 * sender (Node: a TCP pipe, so the sender's own buffer grows instead) or close both sides with
 * 1013 once `maxBufferedAmount` is unread (Bun, Deno: their sockets cannot stop reading); it may
 * not take in the whole flood, nor drop messages and carry on (Bun did).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import net, { type AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startHub } from "./_attack.ts";

const MiB = 1024 * 1024;
/** What the hub may hold unread; the flood is 64 times that. */
const MAX_BUFFERED = 1 * MiB;
const FLOOD = 64 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 1);
/** The sender's own unsent bytes past which the hub counts as having stopped reading it. */
const STALLED = 16 * MiB;

type Outcome = { closed: number; messages?: string[] } | { stalled: true } | { sentAll: true };

const backend = await floodingBackend();
const failures: string[] = [];

for (const runtime of RUNTIMES) {
  const hub = await startHub(runtime, backend.url, { maxBufferedAmount: MAX_BUFFERED });
  try {
    for (const [name, run] of [
      ["a backend flooding a client that never reads", () => backendFloodsSilentClient(hub.port)],
      ["a client flooding a backend that never reads", () => clientFloodsSilentBackend(hub.url)],
      ["a backend that speaks and closes before the client has opened", () => backendSaysByeAtOnce(hub.url)],
    ] as const) {
      try {
        const outcome = await run();
        if (name === "a backend that speaks and closes before the client has opened") {
          assert.deepEqual(outcome, { closed: 4000, messages: ["bye"] });
          console.log(`ok   ${runtime.padEnd(5)} ${name}`);
          continue;
        }
        assert.ok(!("sentAll" in outcome), `the hub took in all ${FLOOD / MiB} MiB`);
        // The backend's side is the hub's client WebSocket: Deno's (WHATWG) one may only send 1000
        // or 3000–4999, so there the backend gets 1000 with the reason.
        const codes = name.startsWith("a backend") && runtime === "deno" ? [1000, 1013] : [1013];
        if ("closed" in outcome) assert.ok(codes.includes(outcome.closed), `closed with ${outcome.closed}, not ${codes.join(" or ")}`);
        console.log(`ok   ${runtime.padEnd(5)} ${name}: ${JSON.stringify(outcome)}`);
      } catch (error) {
        console.log(`FAIL ${runtime.padEnd(5)} ${name}: ${(error as Error).message}`);
        failures.push(`${runtime}: ${name}`);
      }
    }
  } finally {
    await hub.stop();
  }
}
await backend.close();
if (failures.length) {
  console.log(`websocket hardening: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log("websocket hardening: no hub buffers a flood its reader does not take");

/** Upgrades by hand on a raw socket and then never reads; the backend floods and says how it ended. */
async function backendFloodsSilentClient(port: number): Promise<Outcome> {
  const id = String(Math.random()).slice(2);
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(
    `GET /svc/flood?id=${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  );
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.pause();
  try {
    return await backend.outcome(id);
  } finally {
    socket.destroy();
  }
}

/** A `ws` client floods a backend that stopped reading its socket. */
async function clientFloodsSilentBackend(url: string): Promise<Outcome> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/svc/sink`);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.on("error", () => {});
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  try {
    return await flood(ws, closed);
  } finally {
    ws.terminate();
  }
}

/**
 * What a client gets from a backend that sends one message and closes as soon as it accepts: the
 * relay may end before the client has opened, and must then still deliver and close, not hang.
 */
async function backendSaysByeAtOnce(url: string): Promise<Outcome> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/svc/bye`);
  const messages: string[] = [];
  ws.on("message", (data) => messages.push(String(data)));
  ws.on("error", () => {});
  const code = await Promise.race([
    new Promise<number>((resolve) => ws.once("close", (c) => resolve(c))),
    new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
  ]);
  ws.terminate();
  return { closed: code, messages };
}

/** Sends up to FLOOD bytes, yielding so the socket can write, until closed or stalled. */
async function flood(ws: WebSocket, closed: Promise<number>): Promise<Outcome> {
  let code: number | undefined;
  void closed.then((c) => (code = c));
  for (let sent = 0; sent < FLOOD; sent += CHUNK.length) {
    if (code !== undefined) return { closed: code };
    if (ws.bufferedAmount > STALLED) return { stalled: true };
    ws.send(CHUNK);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  // What was sent last may still bring a close.
  const late = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(resolve, 2000))]);
  return late === undefined ? { sentAll: true } : { closed: late };
}

async function floodingBackend(): Promise<{ url: string; outcome(id: string): Promise<Outcome>; close(): Promise<void> }> {
  const outcomes = new Map<string, (outcome: Outcome) => void>();
  const results = new Map<string, Promise<Outcome>>();
  const expect = (id: string) => {
    if (!results.has(id)) results.set(id, new Promise((resolve) => outcomes.set(id, resolve)));
    return results.get(id)!;
  };
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (ws, req) => {
    ws.on("error", () => {});
    const url = new URL(req.url!, "http://backend");
    if (url.pathname === "/svc/bye") {
      ws.send("bye");
      ws.close(4000, "done");
      return;
    }
    if (url.pathname === "/svc/sink") {
      // Never reads: the hub's writes pile up in front of it.
      (ws as unknown as { _socket: net.Socket })._socket.pause();
      return;
    }
    const id = url.searchParams.get("id")!;
    void expect(id);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    void flood(ws, closed).then((outcome) => outcomes.get(id)!(outcome));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    outcome: expect,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
