/**
 * Proxied WebSockets whose far side does not read (issue 21): a backend flooding a client that
 * never reads, and a client flooding a backend that never reads. A hub may stop reading the
 * sender (a TCP pipe: Node's, and Bun's and Deno's fronts', so the sender's own buffer grows
 * instead) or close both sides with 1013 once `maxBufferedAmount` is unread (the relay of Bun and
 * Deno hubs without their front, `resettableConnections: false`: their sockets cannot stop
 * reading); it may not take in the whole flood, nor drop messages and carry on (Bun did).
 *
 * Where the hub pipes (every runtime by default), what the backend says reaches the client as it
 * said it: its refusal of the upgrade with its own status, and its pings.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readdirSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startHub, Tally, type Hub } from "./_attack.ts";

const MiB = 1024 * 1024;
/** What the hub may hold unread; the flood is 64 times that. */
const MAX_BUFFERED = 1 * MiB;
const FLOOD = 64 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 1);
/** The sender's own unsent bytes past which the hub counts as having stopped reading it. */
const STALLED = 16 * MiB;
/** The hubs' `upstreamConnectTimeout`: how long a backend has to answer an upgrade. */
const UPGRADE_TIMEOUT_MS = 1500;

type Outcome = { closed: number; messages?: string[] } | { stalled: true } | { sentAll: true };

const backend = await floodingBackend();
const tally = new Tally("websocket hardening");

/** Each runtime's hub as it starts by default (a pipe), and Bun's and Deno's without their front (a relay). */
const hubs = [
  ...RUNTIMES.map((runtime) => ({ runtime, label: runtime, relay: false })),
  ...RUNTIMES.filter((runtime) => runtime !== "node").map((runtime) => ({ runtime, label: `${runtime} (relay)`, relay: true })),
];
for (const { runtime, label, relay } of hubs) {
  const hub = await startHub(runtime, backend.url, { maxBufferedAmount: MAX_BUFFERED, upstreamConnectTimeout: UPGRADE_TIMEOUT_MS, ...(relay ? { resettableConnections: false } : {}) });
  try {
    for (const [name, run] of [
      ["a backend flooding a client that never reads", () => backendFloodsSilentClient(hub.port)],
      ["a client flooding a backend that never reads", () => clientFloodsSilentBackend(hub.url)],
      ["a backend that speaks and closes before the client has opened", () => backendSaysByeAtOnce(hub.url)],
      ["a backend that takes the connection and never answers the upgrade", () => rawUpgrade(hub.port, "/svc/silent", UPGRADE_TIMEOUT_MS + 3000)],
      // Deno without its front keeps a socket per client that left before its 101 (README, What
      // each runtime bounds): `Deno.serve` never frees an upgrade it could not deliver.
      ...(relay && runtime === "deno" ? [] : ([["200 proxied upgrades whose clients leave at every stage leave no descriptor open", () => leaversLeaveNothing(hub.port, hub.pid)]] as const)),
      ...(relay
        ? []
        : ([
            ["a backend's refusal reaches the client with its status", () => backendRefuses(hub.port)],
            ["a backend's pings reach the client, and the upgrade reaches it byte for byte, saying whom it came from", () => backendPings(hub.url)],
          ] as const)),
    ] as const) {
      await tally.run(label, name, () => judge(name, runtime, relay, hub, run), 12);
    }
  } finally {
    await hub.stop();
  }
}
await backend.close();
tally.end("no hub buffers a flood its reader does not take; a pipe passes the backend's word as it was");

/** Runs one case and checks its outcome; returns what the `ok` line adds, if anything. */
async function judge(name: string, runtime: string, relay: boolean, hub: Hub, run: () => Promise<unknown>): Promise<string | void> {
  const outcome = (await run()) as Outcome;
  if (name === "a backend that speaks and closes before the client has opened") {
    assert.deepEqual(outcome, { closed: 4000, messages: ["bye"] });
    return;
  }
  if (name.endsWith("never answers the upgrade")) {
    // Within `upstreamConnectTimeout`, the client is refused, and the journal says so.
    assert.deepEqual(outcome, { status: "HTTP/1.1 502 Bad Gateway" });
    const journal = (await (await fetch(`${hub.url}/api/journal`)).json()) as Array<{ path: string; status?: number }>;
    assert.deepEqual(journal.filter((entry) => entry.path === "/svc/silent").map((entry) => entry.status), [502]);
    return;
  }
  if (name.startsWith("200 proxied upgrades")) {
    const { before, after } = outcome as unknown as { before: number; after: number };
    assert.ok(after <= before + 4, `open descriptors ${before} before, ${after} after`);
    return `${before} → ${after}`;
  }
  if (name.startsWith("a backend's")) {
    assert.deepEqual(outcome, name.includes("refusal") ? { status: "HTTP/1.1 403 Forbidden" } : { ping: "are you there", forwardedFor: "127.0.0.1", forwardedProto: "http", name: "caf\u00e9" });
    // The journal has the status the client got: the backend's.
    const path = name.includes("refusal") ? "/svc/refuse" : "/svc/ping";
    const answer = await fetch(`${hub.url}/api/journal`);
    const journal = (await answer.json()) as Array<{ path: string; status?: number }>;
    assert.ok(Array.isArray(journal), `the journal route answered ${answer.status} ${JSON.stringify(journal)}`);
    assert.deepEqual(journal.filter((entry) => entry.path === path).map((entry) => entry.status), [name.includes("refusal") ? 403 : 101]);
    return;
  }
  assert.ok(!("sentAll" in outcome), `the hub took in all ${FLOOD / MiB} MiB`);
  // The backend's side is the hub's client WebSocket: Deno's (WHATWG) one may only send 1000
  // or 3000–4999, so there the backend gets 1000 with the reason.
  const codes = name.startsWith("a backend") && runtime === "deno" ? [1000, 1013] : [1013];
  // Deno's relay closes its socket with the client's flood still unread, so the kernel answers
  // with a reset, which can discard the 1013 close frame before a busy client has read it (seen
  // once under load 5 on 2 cores). The relay did close (a stall or taking the whole flood fail below).
  if (relay && runtime === "deno" && name.startsWith("a client")) codes.push(1006);
  if ("closed" in outcome) assert.ok(codes.includes(outcome.closed), `closed with ${outcome.closed}, not ${codes.join(" or ")}`);
  // A relay cannot stop reading: it must close, not stall.
  if (relay) assert.ok("closed" in outcome, `the relay did not close: ${JSON.stringify(outcome)}`);
  return JSON.stringify(outcome);
}

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

/** The hub's open file descriptors (Linux). */
function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Clients of proxied upgrades that go at every stage: before the backend is dialled, while the
 * backend keeps silent, right after the 101 with a frame on the way, and by half-closing an open
 * one. Once they are gone, the hub holds no more descriptors than before (each stage 50 times).
 */
async function leaversLeaveNothing(port: number, pid: number): Promise<{ before: number; after: number }> {
  const head = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
  // A masked text frame "hi".
  const frame = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]);
  const before = openDescriptors(pid);
  const stage = (path: string, leave: (socket: net.Socket) => void) =>
    new Promise<void>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write(head(path)));
      socket.on("error", () => {}).once("close", () => resolve());
      leave(socket);
    });
  for (let round = 0; round < 50; round++) {
    await Promise.all([
      stage("/svc/echo-leaver", (socket) => socket.once("connect", () => setImmediate(() => socket.destroy()))),
      stage("/svc/silent", (socket) => setTimeout(() => socket.destroy(), 20)),
      stage("/svc/echo-leaver", (socket) => socket.once("data", () => (socket.write(frame), socket.destroy()))),
      stage("/svc/echo-leaver", (socket) => socket.once("data", () => socket.end())),
    ]);
  }
  // Let the hub see every close (the half-closed ones end when the backend answers the FIN).
  let after = openDescriptors(pid);
  for (let waited = 0; after > before + 4 && waited < 5000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    after = openDescriptors(pid);
  }
  return { before, after };
}

/** A raw upgrade the backend refuses with 403: the first line the client reads. */
function backendRefuses(port: number): Promise<{ status: string }> {
  return rawUpgrade(port, "/svc/refuse", 5000);
}

/** A raw upgrade to `path`: the first line of the answer, or an error after `withinMs`. */
async function rawUpgrade(port: number, path: string, withinMs: number): Promise<{ status: string }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  );
  try {
    const first = await new Promise<string>((resolve, reject) => {
      socket.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1").split("\r\n")[0]!));
      setTimeout(() => reject(new Error(`no answer within ${withinMs} ms`)), withinMs);
    });
    return { status: first };
  } finally {
    socket.destroy();
  }
}

/** The backend pings its client with a payload as soon as it accepts, and says what x-forwarded-* it got. */
async function backendPings(url: string): Promise<{ ping: string; forwardedFor?: string; forwardedProto?: string; name?: string }> {
  // A header byte past ASCII (0xE9, as `ws` sends "é"): it reaches the backend as it was sent.
  const ws = new WebSocket(`${url.replace("http", "ws")}/svc/ping`, { headers: { "x-name": "caf\u00e9" } });
  ws.on("error", () => {});
  try {
    const [ping, told] = await Promise.race([
      Promise.all([
        new Promise<string>((resolve) => ws.once("ping", (data: Buffer) => resolve(String(data)))),
        new Promise<{ forwardedFor?: string; forwardedProto?: string; name?: string }>((resolve) => ws.once("message", (data) => resolve(JSON.parse(String(data))))),
      ]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no ping and message within 5 s")), 5000)),
    ]);
    return { ping, ...told };
  } finally {
    ws.terminate();
  }
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
  // What was sent last may still bring a close (a guard, not a deadline: a loaded hub may be slow to say it).
  const late = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(resolve, 10_000))]);
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
  const wss = new WebSocketServer({ noServer: true });
  const silent = new Set<Duplex>();
  http.on("upgrade", (req, socket, head) => {
    if (req.url === "/svc/refuse") return socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    // Takes the connection, never answers; the hub is to give up on it.
    if (req.url === "/svc/silent") {
      silent.add(socket);
      socket.on("error", () => {}).once("close", () => silent.delete(socket));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  wss.on("connection", (ws, req) => {
    ws.on("error", () => {});
    const url = new URL(req.url!, "http://backend");
    if (url.pathname === "/svc/ping") {
      ws.ping("are you there");
      ws.send(JSON.stringify({ forwardedFor: req.headers["x-forwarded-for"], forwardedProto: req.headers["x-forwarded-proto"], name: req.headers["x-name"] }));
      return;
    }
    if (url.pathname === "/svc/echo-leaver") {
      ws.on("message", (data, binary) => ws.send(data, { binary }));
      return;
    }
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
      for (const socket of silent) socket.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
