/**
 * Who may reach a hub, checked against a hub in each runtime (`test/fixtures/access-hub.ts`
 * under Node, Bun and Deno), driven from Node with raw requests:
 *   - a rebound `Host` is refused (403, naming allowedHosts) on a proxied route, an intercept
 *     route, a 404 path and a WebSocket upgrade to a proxied path, and the backend sees nothing;
 *     `allowedHosts` admits its name;
 *   - a browser request (Sec-Fetch-Site / Origin) under `/__crossipc/` needs the dashboard key,
 *     a program does not;
 *   - a runtimeId over 256 characters is refused (400), a framework client past maxClients (503);
 *   - 16 event streams at most: on a quiet journal, where 16 that never read are never dropped,
 *     a 17th (a reopened dashboard tab) still opens and the oldest gives way (told why, then
 *     ended); streams that read their head and stop are dropped while the hub's memory stays flat;
 *   - an answer whose Service-Worker-Allowed covers /__crossipc/ (a service's, an intercept
 *     route's, a replayed entry's, a remote mock's) is refused (502) to a worker script request
 *     and goes on without the header to any other request; a narrower one goes on untouched.
 *
 *   node --import tsx test/matrix/access.ts [--runtimes node,bun] [--only TEXT (checks whose name holds it)]
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { openSilentPeer, type SilentPeer } from "../fixtures/_silentPeer.ts";
import { RUNTIMES, start, waitExit, type Runtime } from "./_spawn.ts";
import { request, restOf, stalledStream, upgrade } from "../fixtures/_access.ts";
import { connectMocks } from "../../adapters/node.ts";

const MiB = 1024 * 1024;
/**
 * Peak RSS growth allowed while 16 stalled readers face ~300 MiB of journal traffic. Without
 * bounds that stays in the hub (+264 MiB on Node, and growing with the traffic). Bounded, each
 * reader holds 1 MiB unread before it is dropped, the runtime buffers some more per response
 * (Deno ~4 MiB), and the heap grows under the traffic itself: measured +50 (Node), +70 (Bun),
 * +106 MiB (Deno), and +33 MiB on Deno with no reader at all.
 */
const RSS_LIMIT = 160 * MiB;

interface Hub {
  base: string;
  port: number;
  pid: number;
  key: string;
}

// --- checks ----------------------------------------------------------------------------------

type Check = (hub: Hub) => Promise<void>;
const CHECKS: Array<[string, Check]> = [
  [
    "a rebound Host gets 403 on a proxied route, an intercept route, a 404 path and a proxied WebSocket; the backend sees nothing",
    async (hub) => {
      seen.length = 0;
      const evil = { host: `evil.example:${hub.port}` };
      for (const [what, answer] of [
        ["proxied", await request(`${hub.base}/backend/users/42`, { headers: evil })],
        ["intercept", await request(`${hub.base}/mock/charge`, { method: "POST", headers: evil })],
        ["404", await request(`${hub.base}/nothing`, { headers: evil })],
        ["websocket", await upgrade(`ws://127.0.0.1:${hub.port}/backend/ws`, evil)],
      ] as const) {
        assert.equal(answer.status, 403, what);
        assert.match(JSON.parse(answer.body).error, /^Host 'evil\.example:\d+' is not allowed.*allowedHosts option \(crossipc hub --allow-host evil\.example\)/, what);
      }
      assert.deepEqual(seen, [], "the backend saw nothing");
    },
  ],
  [
    "allowedHosts admits its name (HTTP and WebSocket)",
    async (hub) => {
      seen.length = 0;
      const named = { host: `myapp.test:${hub.port}` };
      assert.equal((await request(`${hub.base}/backend/users/42`, { headers: named })).status, 200);
      assert.equal((await upgrade(`ws://127.0.0.1:${hub.port}/backend/ws`, named)).status, 101);
      assert.deepEqual(seen, ["GET /backend/users/42", "upgrade /backend/ws"]);
    },
  ],
  [
    "under /__crossipc/ a browser request needs the dashboard key; a program does not",
    async (hub) => {
      const page = { origin: hub.base, "sec-fetch-site": "same-origin" };
      for (const [method, path] of [["GET", "/api/state"], ["GET", "/api/journal"], ["GET", "/api/events"], ["DELETE", "/api/journal"]]) {
        const refused = await request(`${hub.base}/__crossipc${path}`, { method, headers: page });
        assert.equal(refused.status, 401, `${method} ${path}`);
        assert.match(JSON.parse(refused.body).error, /needs its key/);
      }
      const keyed = await request(`${hub.base}/__crossipc/api/state`, { headers: { ...page, "x-crossipc-key": hub.key } });
      assert.equal(keyed.status, 200);
      assert.equal((await request(`${hub.base}/__crossipc/api/state`)).status, 200);
      assert.equal((await request(`${hub.base}/__crossipc/`, { headers: { "sec-fetch-site": "none" } })).status, 200, "the static page");
    },
  ],
  [
    "Service-Worker-Allowed over /__crossipc/: 502 to a worker script request, dropped from other answers; a narrower one is kept",
    async (hub) => {
      const worker = { "service-worker": "script" };
      const refused = /^The answer to service worker script \/[\w/.]+ is refused: its Service-Worker-Allowed header \(".*"\) would let the worker's scope cover the hub's dashboard at \/__crossipc\/\. Allow only the app's own folder/;
      // The value is a URL resolved against the script's; the browser compares paths as text.
      const covering = ["/", "/_", "/__crossipc", "/__crossipc/", "/__crossipc/api/", "../", "/backend/../", `${hub.base}/`, "/app/, /"];
      for (const allow of covering) {
        seen.length = 0;
        const path = `/backend/sw.js?allow=${encodeURIComponent(allow)}`;
        const script = await request(`${hub.base}${path}`, { headers: worker });
        assert.equal(script.status, 502, `${allow}: ${script.body}`);
        assert.match(JSON.parse(script.body).error, refused, allow);
        assert.equal(script.headers["service-worker-allowed"], undefined, allow);
        const plain = await request(`${hub.base}${path}`);
        assert.equal(plain.status, 200, allow);
        assert.equal(plain.body, "backend");
        assert.equal(plain.headers["service-worker-allowed"], undefined, `${allow}: dropped from a plain answer (the browser's cache would keep it)`);
        assert.equal(seen.length, 2, "the service answered both");
      }
      // Chromium: `/%5F%5Fcrossipc/` does not allow the scope `/__crossipc/`.
      for (const allow of ["/backend/", "/app/", "/__crossipc-admin/", "/__crossipc2", "/%5F%5Fcrossipc/"]) {
        const path = `/backend/sw.js?allow=${encodeURIComponent(allow)}`;
        const script = await request(`${hub.base}${path}`, { headers: worker });
        assert.equal(script.status, 200, allow);
        assert.equal(script.headers["service-worker-allowed"], allow);
      }
      // The hub's own intercept route and a replayed entry, then a mock of another process.
      for (const path of ["/own/sw.js", "/replayed/sw.js"]) {
        const script = await request(`${hub.base}${path}`, { headers: worker });
        assert.equal(script.status, 502, `${path}: ${script.body}`);
        assert.match(JSON.parse(script.body).error, refused, path);
        const plain = await request(`${hub.base}${path}`);
        assert.equal(plain.status, 200, path);
        assert.equal(plain.body, "// worker", path);
        assert.equal(plain.headers["service-worker-allowed"], undefined, path);
        assert.equal(plain.headers["content-type"], "text/javascript", path);
      }
      assert.equal((await request(`${hub.base}/own/sw.js?allow=/own/`, { headers: worker })).headers["service-worker-allowed"], "/own/");
      const mocks = await connectMocks(hub.base);
      try {
        await mocks.interceptRequest("GET", "/mocked/sw.js", () => new Response("// mock", { headers: { "service-worker-allowed": "/" } }));
        const script = await request(`${hub.base}/mocked/sw.js`, { headers: worker });
        assert.equal(script.status, 502, script.body);
        assert.match(JSON.parse(script.body).error, refused);
        const plain = await request(`${hub.base}/mocked/sw.js`);
        assert.equal(plain.status, 200);
        assert.equal(plain.body, "// mock");
        assert.equal(plain.headers["service-worker-allowed"], undefined);
      } finally {
        await mocks.close();
      }
      // The refusal is in the journal, with what took the request.
      const journal = JSON.parse((await request(`${hub.base}/__crossipc/api/journal?status=502`)).body) as { entries: Array<{ path: string; takenBy: string; error?: string }> };
      const taken = new Set(journal.entries.filter((entry) => /sw\.js/.test(entry.path) && refused.test(entry.error ?? "")).map((entry) => entry.takenBy));
      assert.deepEqual([...taken].sort(), ["intercept", "mock", "proxy", "replay"]);
    },
  ],
  [
    "a runtimeId over 256 characters gets 400; past maxClients (3) an upgrade gets 503",
    async (hub) => {
      const long = await upgrade(`ws://127.0.0.1:${hub.port}/__ggFrameworkConnection?runtimeId=${"r".repeat(300)}`);
      assert.equal(long.status, 400);
      assert.match(JSON.parse(long.body).error, /runtimeId is 300 characters long; at most 256/);
      const peers: SilentPeer[] = [];
      try {
        for (let i = 0; i < 3; i++) peers.push(await openSilentPeer(hub.port, `/__ggFrameworkConnection?runtimeId=cap-${i}`));
        const full = await upgrade(`ws://127.0.0.1:${hub.port}/__ggFrameworkConnection`);
        assert.equal(full.status, 503);
        assert.match(JSON.parse(full.body).error, /Too many framework clients: this server takes 3/);
      } finally {
        peers.forEach((peer) => peer.destroy());
        await Promise.all(peers.map((peer) => peer.closed));
      }
    },
  ],
  [
    "16 event streams that never read on a quiet journal: a 17th still opens, and the oldest gives way (a replaced event, then its end)",
    async (hub) => {
      const stalled: Array<Awaited<ReturnType<typeof stalledStream>>> = [];
      try {
        // One after another, so that the first is the oldest.
        for (let i = 0; i < 16; i++) stalled.push(await stalledStream(hub.port));
        assert.ok(stalled.every((s) => s.head.startsWith("HTTP/1.1 200")), stalled.map((s) => s.head).join());
        const newest = await request(`${hub.base}/__crossipc/api/events`, { firstChunk: true });
        assert.equal(newest.status, 200, newest.body);
        const rest = await restOf(stalled[0]!.socket);
        assert.match(rest, /event: replaced\ndata: \{"error":"A newer dashboard event stream took this one's place: at most 16 are open at once"\}\n\n/);
        assert.match(rest, /0\r\n\r\n$/, "the oldest stream ended");
      } finally {
        stalled.forEach((s) => s.socket.destroy());
      }
    },
  ],
  [
    "16 event streams that stop reading under traffic are dropped, the hub's RSS stays flat",
    async (hub) => {
      // ~8 KiB per journal entry, 200 requests a round. A warm-up round first pays the runtime's
      // own cost of that traffic, so the growth measured after is what the readers cost.
      const path = `/fill/${"p".repeat(8000)}`;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const round = () => Promise.all(Array.from({ length: 200 }, () => request(`${hub.base}${path}`, { agent })));
      for (let i = 0; i < 3; i++) await round();
      const stalled = await Promise.all(Array.from({ length: 16 }, () => stalledStream(hub.port)));
      try {
        assert.ok(stalled.every((s) => s.head.startsWith("HTTP/1.1 200")), stalled.map((s) => s.head).join());
        const before = rss(hub.pid);
        let peak = before;
        // 12 rounds: ~19 MiB of entries for each reader, ~300 MiB in all, that a hub without
        // bounds would hold (twice over: as text and as bytes).
        // Behind Deno's TCP front the kernel buffers of two loopback connections hold more of a
        // reader's backlog, so its drop can come a few rounds later: go on (RSS still measured
        // each round) until all are dropped, at most 36 rounds.
        let drops = 0;
        for (let i = 0; i < 36 && (i < 12 || drops < 16); i++) {
          await round();
          await new Promise((resolve) => setTimeout(resolve, 300));
          peak = Math.max(peak, rss(hub.pid));
          if (i >= 11) drops = JSON.parse((await request(`${hub.base}/test/report`)).body).drops;
        }
        assert.equal(drops, 16, `dropped ${drops} of the 16 stalled readers`);
        assert.ok(peak - before < RSS_LIMIT, `RSS grew by ${((peak - before) / MiB).toFixed(1)} MiB (limit ${RSS_LIMIT / MiB})`);
        console.log(`     RSS +${((peak - before) / MiB).toFixed(1)} MiB`);
        const again = await request(`${hub.base}/__crossipc/api/events`, { firstChunk: true });
        assert.equal(again.status, 200, "their places are free again");
      } finally {
        stalled.forEach((s) => s.socket.destroy());
        agent.destroy();
      }
    },
  ],
];

// --- helpers ---------------------------------------------------------------------------------

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

/** A backend that records every request and upgrade it sees in `seen`. */
async function startBackend(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    // A worker script that widens its own scope (the query's `allow`).
    const allow = new URL(req.url!, "http://x").searchParams.get("allow");
    if (allow !== null) res.setHeader("service-worker-allowed", allow);
    res.end("backend");
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    seen.push(`upgrade ${req.url}`);
    ws.send("hello");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pick(flag: string): Runtime[] {
  const index = process.argv.indexOf(flag);
  return index === -1 ? RUNTIMES : (process.argv[index + 1]!.split(",") as Runtime[]);
}

// --- run -------------------------------------------------------------------------------------

const runtimes = pick("--runtimes");
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const seen: string[] = [];
const backend = await startBackend();
const failures: string[] = [];

for (const runtime of runtimes) {
  const child = start(runtime, "test/fixtures/access-hub.ts", ["--backend", backend.url]);
  try {
    const ready = await child.nextJson<{ port: number; pid: number; dashboard: string }>(60_000, "listening port");
    const hub: Hub = { base: `http://127.0.0.1:${ready.port}`, port: ready.port, pid: ready.pid, key: decodeURIComponent(ready.dashboard.split("#key=")[1]!) };
    for (const [name, check] of CHECKS) {
      if (only !== undefined && !name.includes(only)) continue;
      try {
        await check(hub);
        console.log(`ok   ${runtime.padEnd(5)} ${name}`);
      } catch (error) {
        console.log(`FAIL ${runtime.padEnd(5)} ${name}: ${(error as Error).message}`);
        if (process.env.DEBUG_ACCESS) console.log(error);
        failures.push(`${runtime}: ${name}`);
      }
    }
  } catch (error) {
    console.log(`FAIL ${runtime} hub: ${(error as Error).message}`);
    failures.push(`${runtime}: ${(error as Error).message}`);
  } finally {
    child.proc.stdin.end();
    await waitExit(child, 10_000, "exit").catch(() => child.proc.kill("SIGKILL"));
    const stderr = child.stderr().trim();
    if (stderr) {
      console.log(`FAIL ${runtime} hub printed: ${stderr.slice(0, 3000)}`);
      failures.push(`${runtime}: stderr`);
    }
  }
}
await backend.close();
if (failures.length) {
  console.log(`access: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log("access: all green");
