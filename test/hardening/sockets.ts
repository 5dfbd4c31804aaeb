/**
 * Running out of sockets (issue 21): a hub limited to 256 open files survives 400 connections
 * and answers once they go (and one limited to 64, past it by clients that sent a request), and
 * work past `maxConnections` is refused (all three); idle keep-alive connections are closed after
 * `keepAliveTimeout` (Node and Bun here; the Deno hub's TCP front in test/hardening/deno-front.ts).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import net, { type AddressInfo } from "node:net";
import type { Runtime } from "../matrix/_spawn.ts";
import { rawExchange, sleep, startHub, statuses, Tally } from "./_attack.ts";

const tally = new Tally("socket hardening");

/** A backend that takes connections and never answers. */
/** Connections the silent backend has taken, so a test knows when the hub holds its requests. */
let silentConnections = 0;
const silent = net.createServer((socket) => (silentConnections++, socket.on("error", () => {})));
await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;

const cases: Array<[string, Runtime[], (runtime: Runtime) => Promise<void>]> = [
  [
    "an idle keep-alive connection is closed after keepAliveTimeout (Bun kept it for good)",
    ["node", "bun"],
    async (runtime) => {
      const hub = await startHub(runtime, undefined, { keepAliveTimeout: 1, proxyTimeout: 1000 });
      try {
        const started = Date.now();
        // Answered, then the connection stays open until the hub closes it (or 10 s pass).
        const raw = await rawExchange(hub.port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { quietMs: 10_000, maxMs: 10_000 });
        assert.equal(statuses(raw)[0], 200, raw);
        assert.ok(Date.now() - started < 9_000, "the idle connection was still open after 9 s");
      } finally {
        await hub.stop();
      }
    },
  ],
  [
    "a hub limited to 256 open files outlives 400 connections and answers once they go (Deno exited)",
    ["node", "bun", "deno"],
    (runtime) => outlivesClients(runtime, 256, ""),
  ],
  [
    "a hub limited to 64 open files, past it by 400 clients that each sent a request and left, answers again (Bun's front held every descriptor)",
    ["node", "bun", "deno"],
    (runtime) => outlivesClients(runtime, 64, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
  ],
  [
    "work past maxConnections is refused, and the hub answers again once it ends",
    ["node", "bun", "deno"],
    async (runtime) => {
      const hub = await startHub(runtime, silentUrl, { maxConnections: 4, proxyTimeout: 3000 });
      const held: Array<Promise<string>> = [];
      try {
        // Four requests the silent backend holds open (until the proxy timeout).
        const before = silentConnections;
        for (let i = 0; i < 4; i++) held.push(rawExchange(hub.port, `GET /svc/hold/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { maxMs: 5000 }));
        // The fifth goes once the hub holds all four (each has reached the backend): after a
        // fixed wait, a loaded hub might not have taken them all, and would serve the fifth.
        for (const end = Date.now() + 10_000; silentConnections - before < 4 && Date.now() < end; ) await sleep(20);
        assert.equal(silentConnections - before, 4, "the four held requests reached the backend");
        // Node closes the fifth connection unanswered; Bun and Deno answer it 503.
        const raw = await rawExchange(hub.port, "GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { maxMs: 2000 });
        assert.ok(raw === "" || statuses(raw)[0] === 503, `the fifth was served: ${raw}`);
        await Promise.all(held);
        assert.equal(await answered(hub.url), 200);
      } finally {
        await hub.stop();
      }
    },
  ],
];

for (const runtime of ["node", "bun", "deno"] as const) {
  for (const [name, runtimes, run] of cases) {
    if (runtimes.includes(runtime)) await tally.run(runtime, name, () => run(runtime));
  }
}
silent.close();
tally.end("idle connections go, exhaustion is survived, caps hold");

/**
 * 400 clients connect to a hub limited to `maxOpenFiles` (each sends `request`), stay half a
 * second and go: the hub is still running and answers again.
 */
async function outlivesClients(runtime: Runtime, maxOpenFiles: number, request: string): Promise<void> {
  // Node under tsx opens its modules' files many at a time while it loads: at 64 it died of
  // EMFILE before listening once the source grew. Its limit is lowered once it listens (prlimit,
  // util-linux), which is the same limit for what is tested here: accepting past it.
  const lowerAfterStart = runtime === "node" && maxOpenFiles < 256;
  const hub = await startHub(runtime, undefined, {}, lowerAfterStart ? {} : { maxOpenFiles });
  if (lowerAfterStart) execFileSync("prlimit", ["--pid", String(hub.pid), `--nofile=${maxOpenFiles}:${maxOpenFiles}`]);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < 400; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(hub.port, "127.0.0.1", () => {
          if (request) socket.write(request);
          resolve();
        });
        socket.on("error", () => resolve());
        sockets.push(socket);
      });
    }
    await sleep(500);
    for (const socket of sockets) socket.destroy();
    const status = await answered(hub.url);
    assert.equal(hub.child.proc.exitCode, null, `the hub exited: ${hub.child.stderr()}`);
    assert.equal(status, 200);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await hub.stop();
  }
}

/** The hub's answer to a plain request, asked again for up to 5 s while connections wind down. */
async function answered(url: string): Promise<number | string> {
  let status: number | string = "never answered";
  for (let tries = 0; tries < 20 && status !== 200; tries++) {
    status = await fetch(`${url}/api/hello`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, (e: Error) => e.message);
    if (status !== 200) await sleep(250);
  }
  return status;
}
