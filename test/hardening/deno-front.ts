/**
 * What the TCP front bounds on a Deno hub with default options (issues 21 and 19), over raw TCP,
 * each case against a hub run as a user would (`deno run --allow-net=127.0.0.1`, no NO_COLOR):
 * a bare LF in a header (Deno took it as a line end), idle keep-alive connections (never closed),
 * connections past `maxConnections` (not capped), the fragments of a message that never ends
 * (collected without limit). The `reset` fault on Deno's default options is in test/faults.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:http";
import net, { type AddressInfo } from "node:net";
import WebSocket from "ws";
import { start, waitExit } from "../matrix/_spawn.ts";
import { rawExchange, recordingBackend, sleep, statuses, Tally } from "./_attack.ts";

const MiB = 1024 * 1024;
const backend = await recordingBackend();
/** A backend whose `/slow` answers after 3 s. */
const slow = createServer((req, res) => void setTimeout(() => res.end(`slow ${req.url}`), req.url?.includes("slow") ? 3000 : 0));
await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
const tally = new Tally("deno front");

const cases: Array<[string, () => Promise<void>]> = [
  [
    "a bare LF inside a header value answers 400, and the backend never sees the injected header",
    async () => {
      await withHub(`${backend.url}/base`, {}, async (port) => {
        // A good request first on the same connection: answered, then the refusal after it.
        const raw = await rawExchange(port, "GET /svc/first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /svc/lf HTTP/1.1\r\nHost: 127.0.0.1\r\nX-C: a\nX-Injected: 1\r\n\r\n", { responses: 2 });
        assert.deepEqual(statuses(raw), [200, 400], raw);
        assert.deepEqual(backend.seen.map((r) => r.url), ["/base/svc/first"]);
        assert.ok(!backend.seen.some((r) => "x-injected" in r.headers), "the injected header reached the backend");
      });
    },
  ],
  [
    "the backend's x-forwarded-for is the client's address, not the front's copy (from 127.0.0.2)",
    async () => {
      await withHub(`${backend.url}/base`, {}, async (port) => {
        const raw = await new Promise<string>((resolve) => {
          const socket = net.connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
          let out = "";
          socket.setEncoding("latin1").on("data", (chunk: string) => (out += chunk));
          socket.on("error", () => resolve(out)).on("close", () => resolve(out));
          socket.write("GET /svc/ip HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        });
        assert.deepEqual(statuses(raw), [200], raw);
        assert.equal(backend.seen[0]?.headers["x-forwarded-for"], "127.0.0.2");
      });
    },
  ],
  [
    "an idle connection is closed after keepAliveTimeout, and a slow request in progress is not cut",
    async () => {
      await withHub(slowUrl, { keepAliveTimeout: 1 }, async (port) => {
        const started = Date.now();
        const [idle, slowRaw] = await Promise.all([
          // Answered, then open until the hub closes it (or 10 s pass).
          rawExchange(port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { quietMs: 10_000, maxMs: 10_000 }).then((raw) => ({ raw, ms: Date.now() - started })),
          // Quiet for 3 s in both directions while the backend works: a request in progress.
          rawExchange(port, "GET /svc/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { quietMs: 200, maxMs: 10_000 }),
        ]);
        assert.equal(statuses(idle.raw)[0], 200, idle.raw);
        assert.ok(idle.ms < 9_000, "the idle connection was still open after 9 s");
        assert.deepEqual(statuses(slowRaw), [200], `the slow request was cut: ${JSON.stringify(slowRaw)}`);
        assert.match(slowRaw, /slow \/svc\/slow/);
      });
    },
  ],
  [
    "a request head trickled in a byte at a time is cut after one to one and a half keepAliveTimeouts (it kept its connection for good)",
    async () => {
      await withHub(undefined, { keepAliveTimeout: 1 }, async (port) => {
        const started = Date.now();
        const socket = net.connect(port, "127.0.0.1");
        socket.on("error", () => {});
        const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - started)));
        socket.write("GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        // A byte every 200 ms, never the end of the head: the connection is never idle.
        const trickle = setInterval(() => socket.write("a"), 200);
        const ms = await Promise.race([closed, sleep(8000).then(() => -1)]);
        clearInterval(trickle);
        socket.destroy();
        assert.ok(ms !== -1, "the connection was still open after 8 s");
      });
    },
  ],
  [
    "connections past maxConnections are closed, the ones held keep working, and a new one is taken once one goes",
    async () => {
      await withHub(undefined, { maxConnections: 3 }, async (port) => {
        const held = await Promise.all([0, 1, 2].map(() => KeptConnection.open(port)));
        for (const connection of held) assert.equal(await connection.status("/api/hello"), 200);
        // The fourth is closed unanswered.
        assert.equal(await rawExchange(port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { maxMs: 3000 }), "");
        assert.equal(await held[0]!.status("/api/hello"), 200, "a held connection stopped working");
        held[1]!.close();
        let answered = "";
        for (let tries = 0; tries < 20 && !answered.includes("200"); tries++) {
          await sleep(100);
          answered = await rawExchange(port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", { maxMs: 2000 });
        }
        assert.deepEqual(statuses(answered), [200], "no room after a held connection went");
        for (const connection of held) connection.close();
      });
    },
  ],
  [
    "100 MiB of fragments of one unfinished message: the WebSocket is closed with 1009, the hub's memory stays bounded",
    async () => {
      await withHub(undefined, { maxMessageSize: 4 * MiB, maxProxyMessageSize: 4 * MiB }, async (port, pid) => {
        const before = rss(pid);
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
        const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=flood`);
        const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
        ws.on("error", () => {});
        await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
        const fragment = Buffer.alloc(MiB, 0x61);
        let sent = 0;
        let isClosed = false;
        void closed.then(() => (isClosed = true));
        for (; sent < 100 && !isClosed; sent++) {
          await new Promise<void>((resolve) => ws.send(fragment, { fin: false, binary: true }, () => resolve()));
        }
        const code = await Promise.race([closed, sleep(10_000).then(() => "still open")]);
        clearInterval(sampler);
        ws.terminate();
        assert.equal(code, 1009, `after ${sent} MiB of fragments`);
        assert.ok(peak - before < 64 * MiB, `the hub grew by ${((peak - before) / MiB).toFixed(0)} MiB`);
      });
    },
  ],
  [
    "a connection round the front (to Deno.serve's own loopback port) is refused with 403, bare LF and all",
    async () => {
      await withHub(`${backend.url}/base`, {}, async (port, pid) => {
        const inner = listeningPorts(pid).filter((p) => p !== port);
        assert.equal(inner.length, 1, `the hub listens on ${listeningPorts(pid).join(", ")}`);
        assert.deepEqual(statuses(await rawExchange(inner[0]!, "GET /svc/round HTTP/1.1\r\nHost: 127.0.0.1\r\nX-C: a\nX-Injected: 1\r\nConnection: close\r\n\r\n")), [403]);
        assert.deepEqual(backend.seen, []);
      });
    },
  ],
  [
    "resettableConnections: false still serves, straight on Deno.serve (the documented opt-out)",
    async () => {
      await withHub(undefined, { resettableConnections: false }, async (port) => {
        assert.deepEqual(statuses(await rawExchange(port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")), [200]);
        // Without the front Deno's parser takes the bare LF as a line end: what the front is for.
        assert.deepEqual(statuses(await rawExchange(port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-C: a\nConnection: close\r\n\r\n")), [200]);
      });
    },
  ],
];

/** `test/hardening/hub.ts` under Deno with a user's permissions, proxying `/svc/**` to `target`. */
async function withHub(target: string | undefined, options: Record<string, unknown>, run: (port: number, pid: number) => Promise<void>): Promise<void> {
  const child = start("deno", "test/hardening/hub.ts", [JSON.stringify({ backend: target, options })], {
    denoPermissions: ["--allow-net=127.0.0.1"],
    unsetEnv: ["NO_COLOR"],
  });
  const { port, pid } = await child.nextJson<{ port: number; pid: number }>(60_000, "listening port");
  backend.seen.length = 0;
  try {
    await run(port, pid);
    assert.equal(child.proc.exitCode, null, `the hub exited: ${child.stderr()}`);
  } finally {
    child.proc.stdin.end();
    await waitExit(child, 10_000, "exit").catch(() => child.proc.kill("SIGKILL"));
  }
}

/** The TCP ports a process listens on (Linux: its socket inodes in /proc/net/tcp). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith("socket:[")) inodes.add(link.slice(8, -1));
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // State 0A is LISTEN; field 9 the inode.
    if (fields[3] === "0A" && inodes.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(":")[1]!, 16));
  }
  return ports;
}

/** Resident memory of a process in bytes (Linux). */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) * 1024;
}

/** One keep-alive connection, for requests one after another. */
class KeptConnection {
  readonly #socket: net.Socket;
  #received = "";
  #waiting: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.#received += chunk;
      this.#waiting?.();
    });
    socket.on("error", () => {});
    socket.on("close", () => this.#waiting?.());
  }

  static open(port: number): Promise<KeptConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new KeptConnection(socket)));
      socket.once("error", reject);
    });
  }

  /** The status of one GET on this connection (0 when the connection closed first). */
  async status(path: string): Promise<number> {
    this.#received = "";
    this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !this.#socket.destroyed) {
      const match = /^HTTP\/1\.1 (\d{3})[\s\S]*?content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(this.#received);
      if (match && this.#received.length - this.#received.indexOf("\r\n\r\n") - 4 >= Number(match[2])) return Number(match[1]);
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    return 0;
  }

  close(): void {
    this.#socket.destroy();
  }
}

for (const [name, run] of cases) await tally.run("deno", name, run);
await backend.close();
slow.close();
tally.end("bare LFs refused, idle connections closed, connections capped, unfinished messages bounded");

