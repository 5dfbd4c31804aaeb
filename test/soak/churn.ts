/**
 * The soak driver (test/soak/README.md): runs a hub (`test/soak/hub.ts` under SOAK_RUNTIME, or
 * the packed `crossipc hub` with SOAK_CLI=1) and puts it through the churn of a day of test
 * suites for SOAK_MINUTES; every SOAK_SAMPLE_MS it prints the hub's RSS, heap after GC, open
 * fds and the median latency of a proxied probe request. Not part of the suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import process from "node:process";
import { createInterface } from "node:readline";
import WebSocket, { WebSocketServer } from "ws";
import { IPCClient, HubRequests, connectMocks } from "../../adapters/node.ts";
import { MOCKS_PROTOCOL } from "../../src/mocks/_wire.ts";

const env = process.env;
const runtime = env.SOAK_RUNTIME ?? "node";
const minutes = Number(env.SOAK_MINUTES ?? 3);
const uniqueApis = env.SOAK_UNIQUE === "1";
const NODE24 = env.SOAK_NODE ?? process.execPath;

// --- the backend: HTTP (echo, slow body) and a WebSocket echo that closes on "bye" ---------
const backend = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => res.end(JSON.stringify({ path: req.url, bytes: Buffer.concat(chunks).length })));
  req.on("error", () => {});
});
const wss = new WebSocketServer({ server: backend });
wss.on("connection", (socket) => {
  socket.on("message", (data, binary) => {
    if (String(data) === "bye") socket.close(4000, "backend bye");
    else socket.send(data, { binary });
  });
  socket.on("error", () => {});
});
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;

// --- the hub -------------------------------------------------------------------------------
const hubCommand: Record<string, string[]> = {
  node: [NODE24, "--expose-gc", "--import", "tsx", "test/soak/hub.ts"],
  bun: ["node_modules/.bin/bun", "test/soak/hub.ts"],
  deno: ["node_modules/.bin/deno", "run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "--v8-flags=--expose-gc", "test/soak/hub.ts"],
};
// SOAK_CLI=DIR: the packed `crossipc hub` installed in DIR (npm pack; npm install the tarball there).
const cli = env.SOAK_CLI;
if (cli) hubCommand.node = [NODE24, `${cli}/node_modules/.bin/crossipc`, "hub", "--port", "0", "--json", "--journal-size", "300"];
const [cmd, ...args] = hubCommand[runtime]!;
const hubProcess = spawn(cmd!, args, { stdio: ["pipe", "pipe", "inherit"], env: { ...env, SOAK_SAMPLE_MS: "600000" } });
const lines = createInterface({ input: hubProcess.stdout! });
const waiting: Array<(line: Record<string, unknown>) => void> = [];
lines.on("line", (line) => {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line);
  } catch {
    return;
  }
  waiting.shift()?.(parsed);
});
const nextLine = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
const hello = await nextLine();
const port = hello.port as number;
const hubPid = cli ? hubProcess.pid! : (hello.pid as number);
if (cli) lines.removeAllListeners("line");
const hub = `http://127.0.0.1:${port}`;
console.error(`# hub ${runtime} pid ${hubPid} port ${port}; backend ${backendUrl}; ${minutes} min`);

// --- one round of ordinary churn --------------------------------------------------------------
const errors = new Map<string, number>();
const spent = new Map<string, number>();
async function step(name: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    await fn();
  } catch (error) {
    const key = `${name}: ${String((error as Error)?.message ?? error).slice(0, 80)}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  } finally {
    spent.set(name, (spent.get(name) ?? 0) + performance.now() - start);
  }
}
const drain = async (response: Response) => {
  await response.arrayBuffer();
  return response;
};

function wsRound(url: string, headers: Record<string, string>, closeFrom: "client" | "server" | "terminate" | "on open"): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`ws ${url} stuck`))), 5000);
    ws.on("error", () => {});
    ws.on("open", () => (closeFrom === "on open" ? ws.close(1000) : ws.send("hello")));
    ws.on("message", () => {
      if (closeFrom === "client") ws.close(1000, "done");
      else if (closeFrom === "server") ws.send("bye");
      else ws.terminate();
    });
    ws.on("close", () => (clearTimeout(timer), resolve()));
  });
}

function abortedUpload(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(`${hub}/echo/upload`, { method: "POST", headers: { "content-length": "100000" } });
    req.on("error", () => resolve());
    req.write(Buffer.alloc(30_000));
    setTimeout(() => (req.destroy(), resolve()), 20);
  });
}

function noKeepAlive(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(`${hub}${path}`, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  });
}

const har = (path: string) => ({
  log: {
    version: "1.2",
    creator: { name: "soak", version: "1" },
    entries: [{
      startedDateTime: new Date().toISOString(), time: 1,
      request: { method: "GET", url: `http://x${path}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "text/plain" }], content: { size: 2, mimeType: "text/plain", text: "ok" }, redirectURL: "", headersSize: -1, bodySize: 2 },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    }],
  },
});

async function killVictim(): Promise<void> {
  const child: ChildProcess = spawn(NODE24, ["--import", "tsx", "test/soak/victim.ts", "--port", String(port), "--backend", backendUrl], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    child.stdout!.on("data", (d) => String(d).includes("ready") && (clearTimeout(timer), resolve()));
  });
  child.kill("SIGKILL");
  await new Promise((resolve) => child.on("exit", resolve));
}

/**
 * A WebSocket mock held by a framework client of its own (not connectMocks), which closes the
 * mocked socket with a code or reason a WebSocket may not send (the hub ends it with 1011), or
 * with a fine one (passed on), then leaves without removing its rule.
 */
async function rawMockClose(i: number): Promise<void> {
  const owner = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=raw-${i % 7}`);
  owner.on("error", () => {});
  await new Promise((resolve, reject) => (owner.once("open", resolve), owner.once("close", () => reject(new Error("owner closed")))));
  const answers = new Map<string, (data: unknown) => void>();
  const opened: Array<(socket: number) => void> = [];
  owner.on("message", (raw) => {
    const text = String(raw);
    const [type, id, path] = text.split(":", 3) as [string, string, string];
    const data = text.slice(type.length + id.length + path.length + 3);
    if (type === "s") answers.get(id)?.(JSON.parse(data));
    if (type === "r" && path === "__crossipc/ws/open") {
      owner.send(`s:${id}:${path}:${JSON.stringify({ success: true, data: { accept: true } })}`);
      opened.shift()?.((JSON.parse(data) as { socket: number }).socket);
    }
  });
  let last = 0;
  const request = (path: string, data: unknown) =>
    new Promise((resolve) => {
      const id = String(++last);
      answers.set(id, resolve);
      owner.send(`r:${id}:${path}:${JSON.stringify(data)}`);
    });
  try {
    await request("__crossipc/mocks/hello", { protocol: MOCKS_PROTOCOL });
    await request("__crossipc/mocks/add", { ref: 1, scope: null, kind: "websocket", method: "GET", path: `/rawfeed/${i}/*` });
    const closes: Array<[unknown, unknown, number]> = [[1005, "x", 1011], [5000, "x", 1011], ["abc", "x", 1011], [1000, "r".repeat(124), 1011], [4000, "fine", 4000]];
    const [code, reason, expected] = closes[i % closes.length]!;
    const socketId = new Promise<number>((resolve) => opened.push(resolve));
    const client = new WebSocket(`ws://127.0.0.1:${port}/rawfeed/${i}/x`);
    client.on("error", () => {});
    const closed = new Promise<number>((resolve) => client.once("close", resolve));
    owner.send(`m::__crossipc/ws/close:${JSON.stringify({ socket: await socketId, code, reason })}`);
    const timer = setTimeout(() => client.terminate(), 5000);
    const got = await closed;
    clearTimeout(timer);
    if (got !== expected) throw new Error(`closed ${got}, not ${expected}`);
  } finally {
    owner.terminate();
  }
}

async function round(i: number): Promise<void> {
  const api = uniqueApis ? `svc-${i}` : `svc-${i % 5}`;
  const client = new IPCClient(port);
  await step("connect", () => client.connect(`rt-${i % 7}`));
  await step("register", () => client.sendFrameworkRequest(HubRequests.register, [
    { api: "echo", baseUrl: backendUrl, pathPrefix: "/echo" },
    { api, baseUrl: backendUrl, pathPrefix: `/${api}` },
  ]));
  await step("discover", () => client.sendFrameworkRequest(HubRequests.discoverApi, api));
  await step("unknown", () => client.sendFrameworkRequest("no/such" as never, {}));
  await step("proxy keep-alive", async () => drain(await fetch(`${hub}/echo/a?i=${i}`)));
  await step("proxy post", async () => drain(await fetch(`${hub}/${api}/p`, { method: "POST", body: "x".repeat(2000) })));
  await step("proxy no keep-alive", () => noKeepAlive(`/echo/b`));
  await step("aborted upload", abortedUpload);
  await step("aborted download", async () => {
    const controller = new AbortController();
    const response = await fetch(`${hub}/echo/c`, { signal: controller.signal });
    controller.abort();
    await response.arrayBuffer().catch(() => {});
  });
  await step("404", async () => drain(await fetch(`${hub}/nothing/here`)));
  await step("ws client close", () => wsRound(`ws://127.0.0.1:${port}/echo/ws`, {}, "client"));
  await step("ws backend close", () => wsRound(`ws://127.0.0.1:${port}/echo/ws`, {}, "server"));
  await step("ws terminate", () => wsRound(`ws://127.0.0.1:${port}/echo/ws`, {}, "terminate"));

  // mocks: scopes, rules, faults of every kind, WebSocket mocks, replays
  let mocks: Awaited<ReturnType<typeof connectMocks>> | undefined;
  await step("connectMocks", async () => (mocks = await connectMocks(port)));
  if (mocks) {
    const m = mocks;
    const scope = m.scope();
    await step("intercept", async () => {
      await scope.intercept("GET", "/echo/m/:id", (_b, params) => ({ mocked: params.id }));
      const rule = await scope.interceptRequest("POST", "/echo/r", async () => new Response("r"));
      await drain(await fetch(`${hub}/echo/m/${i}`, { headers: scope.headers }));
      await drain(await fetch(`${hub}/echo/r`, { method: "POST", body: "b", headers: scope.headers }));
      await rule.remove();
      const unscoped = await m.intercept("GET", `/unscoped/${i % 3}`, () => "u");
      await drain(await fetch(`${hub}/unscoped/${i % 3}`));
      await unscoped.remove();
    });
    await step("faults", async () => {
      await scope.fault({ path: "/echo/f1" }, { latency: 2, times: 1 });
      await scope.fault({ path: "/echo/f2" }, { status: 503, times: 1 });
      await scope.fault({ path: "/echo/f3" }, { reset: true, times: 1 });
      await scope.fault({ path: "/echo/f4" }, { timeout: true, times: 1 });
      await scope.fault({ path: "/echo/f5" }, { bandwidth: 100_000, times: 1 });
      await scope.fault({ path: "/echo/wsd" }, { drop: true, times: 1 });
      await scope.fault({ path: "/echo/wsc" }, { close: 4001, times: 1 });
      const kept = await m.fault({ path: `/kept/${i}` }, { latency: 1 });
      const h = scope.headers;
      await drain(await fetch(`${hub}/echo/f1`, { headers: h }));
      await drain(await fetch(`${hub}/echo/f2`, { headers: h }));
      await fetch(`${hub}/echo/f3`, { headers: h }).then(drain, () => {});
      await fetch(`${hub}/echo/f4`, { headers: h, signal: AbortSignal.timeout(150) }).then(drain, () => {});
      await drain(await fetch(`${hub}/echo/f5`, { headers: h }));
      await wsRound(`ws://127.0.0.1:${port}/echo/wsd`, h, "on open").catch(() => {});
      await wsRound(`ws://127.0.0.1:${port}/echo/wsc`, h, "client").catch(() => {});
      await kept.remove();
    });
    await step("ws mock", async () => {
      await scope.interceptWebSocket("/mockws", (socket) => {
        socket.onMessage((m) => (m === "hello" ? socket.send("hi") : socket.close(1000)));
      });
      await wsRound(`ws://127.0.0.1:${port}/mockws`, scope.headers, i % 2 ? "client" : "terminate");
    });
    await step("ws mock raw close", () => rawMockClose(i));
    await step("replay", async () => {
      const replay = await scope.replay(har(`/replayed/${i % 4}`));
      await drain(await fetch(`${hub}/replayed/${i % 4}`, { headers: scope.headers }));
      if (i % 2) await replay.remove();
    });
    await step("waitFor timeout", () => scope.waitFor({ path: "/never" }, 50).catch(() => {}));
    await step("scope close", () => scope.close());
    if (i % 3 === 0) {
      // dies: the socket goes without a close of the mocks
      m.client.disconnect();
    } else await step("mocks close", () => m.close());
  }

  await step("events", async () => {
    const controller = new AbortController();
    const response = await fetch(`${hub}/__crossipc/api/events`, { signal: controller.signal });
    if (response.status !== 200) throw new Error(`events ${response.status}`);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
  });
  await step("state", async () => {
    const response = await drain(await fetch(`${hub}/__crossipc/api/state`));
    if (response.status !== 200) throw new Error(`state ${response.status}`);
  });
  if (i % 10 === 9) await step("journal clear", async () => drain(await fetch(`${hub}/__crossipc/api/journal`, { method: "DELETE" })));
  if (i % 2) await step("unregister", () => client.sendFrameworkRequest(HubRequests.unregister, [{ api, baseUrl: backendUrl, pathPrefix: `/${api}` }]));
  client.disconnect();
  if (i % 25 === 24) await step("sigkill victim", killVictim);
}

// --- sampling --------------------------------------------------------------------------------
async function probe(): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const start = performance.now();
    await drain(await fetch(`${hub}/echo/probe`));
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[3]!;
}
async function sample(rounds: number): Promise<Record<string, number>> {
  let memory: Record<string, unknown>;
  if (cli) {
    // No GC from outside: the RSS only.
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${hubPid}/status`, "utf8"))![1]) * 1024;
    memory = { rss, heap: 0, external: 0 };
  } else {
    hubProcess.stdin!.write("sample\n");
    memory = await nextLine();
  }
  const fds = readdirSync(`/proc/${hubPid}/fd`).length;
  // The probe needs the echo route: a client that stays for the sample.
  const holder = new IPCClient(port);
  await holder.connect();
  await holder.sendFrameworkRequest(HubRequests.register, [{ api: "echo", baseUrl: backendUrl, pathPrefix: "/echo" }]);
  const latency = await probe();
  holder.disconnect();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const state = await (await fetch(`${hub}/__crossipc/api/state`)).json();
  const held = { clients: state.clients.length, services: state.services.length, faults: state.faults.length, mocks: state.mocks.length, routes: state.routes.length, journal: state.journal.count };
  return { rounds, rss: Math.round((memory.rss as number) / 1e5) / 10, heap: Math.round((memory.heap as number) / 1e5) / 10, ext: Math.round(((memory.external as number) ?? 0) / 1e5) / 10, heapTotal: Math.round(((memory.heapTotal as number) ?? 0) / 1e5) / 10, fds, latencyMs: Math.round(latency * 100) / 100, ...held };
}

const end = Date.now() + minutes * 60_000;
const every = Number(env.SOAK_SAMPLE_ROUNDS ?? 25);
// SOAK_SNAPSHOT_AT=100,400: a heap snapshot of a node hub at those rounds, to compare.
const snapshotAt = new Set((env.SOAK_SNAPSHOT_AT ?? "").split(",").filter(Boolean).map(Number));
let i = 0;
const first = await sample(0);
const fdsAtStart = first.fds;
console.log(JSON.stringify(first));
while (Date.now() < end) {
  await round(i++);
  if (i % every === 0) console.log(JSON.stringify(await sample(i)));
  if (snapshotAt.has(i)) {
    hubProcess.stdin!.write("snapshot\n");
    console.error(`# round ${i}: ${JSON.stringify(await nextLine())}`);
  }
}
await new Promise((resolve) => setTimeout(resolve, 1500));
console.log(JSON.stringify({ final: true, ...(await sample(i)) }));
// Idle: everything stopped, so the hub's CPU time should stand still (no timers firing).
const cpuTicks = () => readFileSync(`/proc/${hubPid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(11, 13).reduce((a, b) => a + Number(b), 0);
await new Promise((resolve) => setTimeout(resolve, 2000));
const idle: number[] = [];
for (let w = 0; w < Number(env.SOAK_IDLE_WINDOWS ?? 3); w++) {
  const idleFrom = cpuTicks();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  idle.push(cpuTicks() - idleFrom);
}
console.error(`# idle: ${idle.join(", ")} CPU ticks (1/100 s) in successive 10 s windows with nothing connected`);
// By now the hub's idle keep-alive connections to the backend have timed out: its fds are back where they began.
console.error(`# fds after idle: ${readdirSync(`/proc/${hubPid}/fd`).length} (before the first round: ${fdsAtStart})`);
console.error(`# errors: ${JSON.stringify([...errors])}`);
console.error(`# ms per step: ${JSON.stringify(Object.fromEntries([...spent].map(([k, v]) => [k, Math.round(v / i)])))}`);
if (env.SOAK_SNAPSHOT === "1") {
  hubProcess.stdin!.write("snapshot\n");
  console.error(`# ${JSON.stringify(await nextLine())}`);
}
if (cli) {
  hubProcess.kill("SIGTERM");
  await new Promise((resolve) => hubProcess.on("exit", resolve));
} else {
  hubProcess.stdin!.end();
  await nextLine();
}
backend.closeAllConnections();
wss.close();
backend.close();
