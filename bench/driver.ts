/**
 * The client side of the bench, one process per runtime: load loops against the servers that
 * host.ts started, idle clients for the memory case, and start/teardown cycles.
 * Commands arrive on stdin as JSON lines (see the switch at the end).
 */
import process from "node:process";
import { batchLoop, promiseLoop, type LoadResult } from "./_load.ts";
import { connectRaw, type RawClient } from "./_raw.ts";
import { emit, payloadFor, runtime, runtimeVersion, serveCommands, sleep } from "./_rt.ts";

const HOST = "127.0.0.1";
const rt = runtime();
const crossipc = await import(`../adapters/${rt}.ts`);

interface RpcClient {
  request(path: string, data: unknown): Promise<unknown>;
  notify(path: string, data: unknown): void;
  close(): void;
}

const raws = new Map<string, RawClient>();
const clients = new Map<string, RpcClient>();
const idle: Array<{ close(): void }> = [];
const references = new Map<string, { request(path: string, json: string): Promise<unknown>; close(): void }>();

async function raw(url: string, echoBack = false): Promise<RawClient> {
  const key = `${url}|${echoBack}`;
  let client = raws.get(key);
  if (!client) {
    client = await connectRaw(url, { echoBack });
    raws.set(key, client);
  }
  return client;
}

/** A framework client of `kind` (crossipc, orig). */
async function rpc(kind: string, port: number, runtimeId?: string): Promise<RpcClient> {
  const key = `${kind}|${port}|${runtimeId ?? ""}`;
  let client = clients.get(key);
  if (client) return client;
  if (kind === "orig") {
    const { OriginalClient } = await import("./_original.ts");
    const c = new OriginalClient(port);
    c.onFrameworkRequest("echo", (p) => p);
    await c.connect(runtimeId);
    client = {
      request: (path, data) => c.sendFrameworkRequest(path, data),
      notify: (path, data) => c.sendFrameworkNotification(path, data),
      close: () => c.disconnect(),
    };
  } else {
    const c = new crossipc.IPCClient(port);
    c.onFrameworkRequest("echo", (p: unknown) => p);
    await c.connect(runtimeId);
    client = {
      request: (path, data) => c.sendFrameworkRequest(path, data),
      notify: (path, data) => c.sendFrameworkNotification(path, data),
      close: () => c.disconnect(),
    };
  }
  clients.set(key, client);
  return client;
}

async function rpcLoad(command: any): Promise<LoadResult> {
  const payload = payloadFor(command.size);
  if (command.kind === "raw") {
    const client = await raw(`ws://${HOST}:${command.port}/echo`);
    return client.echo(command.inflight, JSON.stringify(payload), command.ms);
  }
  const client = await rpc(command.kind, command.port);
  return promiseLoop(() => client.request("echo", payload), command.inflight, command.ms);
}

/**
 * The reference client (same framing for every server) against the framework server at `port`;
 * `decode` picks the second one, which decodes every answer as the original's client does.
 */
async function referenceLoad(command: any): Promise<LoadResult> {
  const decode = command.decode === true;
  const key = `ref|${command.port}|${decode}`;
  let client = references.get(key);
  if (!client) {
    const { connectReferenceClient } = await import("./_reference.ts");
    client = await connectReferenceClient(command.port, decode ? "reference-decoding" : "reference", { decode });
    references.set(key, client);
  }
  const json = JSON.stringify(payloadFor(command.size));
  const c = client;
  return promiseLoop(() => c.request("echo", json), command.inflight, command.ms);
}

/** A client rung of the layers family (bench/_ladder.ts) against the framework server at `url`. */
const ladders = new Map<string, import("./_ladder.ts").LadderClient>();
async function ladderLoad(command: any): Promise<LoadResult> {
  const json = JSON.stringify(payloadFor(command.size));
  if (command.kind === "raw") {
    const client = await raw(command.url);
    return client.echo(command.inflight, `r:1:echo:${json}`, command.ms);
  }
  if (command.kind === "ipcclient") {
    const client = await rpc("crossipc", Number(new URL(command.url).port));
    const payload = payloadFor(command.size);
    return promiseLoop(() => client.request("echo", payload), command.inflight, command.ms);
  }
  const key = `${command.kind}|${command.url}`;
  let client = ladders.get(key);
  if (!client) {
    const { connectLadderClient } = await import("./_ladder.ts");
    client = await connectLadderClient(command.url, command.kind);
    ladders.set(key, client);
  }
  const c = client;
  const payload = payloadFor(command.size);
  return promiseLoop(() => c.request(json, payload), command.inflight, command.ms);
}

async function fireAndForget(command: any): Promise<LoadResult> {
  const payload = payloadFor(command.size ?? "small");
  if (command.kind === "raw") {
    const client = await raw(`ws://${HOST}:${command.port}/ff`);
    const message = JSON.stringify(payload);
    return batchLoop(
      () => client.send(message),
      () => {
        const next = client.next();
        client.send("F");
        return next;
      },
      command.ms,
    );
  }
  const client = await rpc(command.kind, command.port);
  return batchLoop(
    () => client.notify("note", payload),
    () => client.request("flush", undefined),
    command.ms,
  );
}

// --- start/teardown cycles ------------------------------------------------------------------

async function cycle(kind: string, ms: number): Promise<{ rate: number; count: number; ms: number; perCycleMs: number }> {
  const once = cycles[kind];
  if (!once) throw new Error(`no cycle ${kind} on ${rt}`);
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < ms) {
    await once();
    count++;
  }
  const elapsed = performance.now() - start;
  return { rate: (count / elapsed) * 1000, count, ms: elapsed, perCycleMs: elapsed / count };
}

const cycles: Record<string, () => Promise<void>> = {
  async "crossipc-start"() {
    const server = new crossipc.IPCServer(0);
    if (!(await server.start())) throw new Error("start() false");
    await server.teardown();
  },
  async "crossipc-full"() {
    const server = new crossipc.IPCServer(0);
    await server.start();
    server.onFrameworkMessage("echo", (p: unknown) => p);
    const client = new crossipc.IPCClient(server.getPort());
    await client.connect("test-worker");
    await client.sendFrameworkRequest("echo", { hello: "world" });
    client.disconnect();
    await server.teardown();
  },
  "base-start": baseStart,
  "base-full": baseFull,
};

async function baseStart(): Promise<void> {
  if (rt === "node") {
    const http = await import("node:http");
    const { WebSocketServer } = await import("ws");
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } else if (rt === "bun") {
    const Bun = (globalThis as { Bun?: any }).Bun;
    const server = Bun.serve({ port: 0, hostname: HOST, fetch: () => new Response(""), websocket: { message() {} } });
    await server.stop(true);
  } else {
    const Deno = (globalThis as { Deno?: any }).Deno;
    const server = Deno.serve({ port: 0, hostname: HOST, onListen() {} }, () => new Response(""));
    await server.shutdown();
  }
}

async function baseFull(): Promise<void> {
  if (rt === "node") {
    const http = await import("node:http");
    const { WebSocketServer, WebSocket } = await import("ws");
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws) => ws.on("message", (data: Buffer, isBinary) => ws.send(data, { binary: isBinary })));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const ws = new WebSocket(`ws://${HOST}:${(server.address() as { port: number }).port}/`);
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ hello: "world" }));
    await new Promise((resolve) => ws.once("message", resolve));
    ws.close();
    await new Promise((resolve) => ws.once("close", resolve));
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return;
  }
  let stop: () => Promise<void>;
  let port: number;
  if (rt === "bun") {
    const Bun = (globalThis as { Bun?: any }).Bun;
    const server = Bun.serve({
      port: 0,
      hostname: HOST,
      fetch: (request: Request, srv: any) => (srv.upgrade(request) ? undefined : new Response("")),
      websocket: { message: (ws: any, message: string) => ws.send(message) },
    });
    port = server.port;
    stop = () => server.stop(true);
  } else {
    const Deno = (globalThis as { Deno?: any }).Deno;
    let resolvePort!: (port: number) => void;
    const ready = new Promise<number>((resolve) => (resolvePort = resolve));
    const server = Deno.serve({ port: 0, hostname: HOST, onListen: (addr: { port: number }) => resolvePort(addr.port) }, (request: Request) => {
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.onmessage = (event: MessageEvent) => socket.send(event.data);
      return response;
    });
    port = await ready;
    stop = () => server.shutdown();
  }
  const ws = new WebSocket(`ws://${HOST}:${port}/`);
  await new Promise((resolve) => (ws.onopen = resolve));
  ws.send(JSON.stringify({ hello: "world" }));
  await new Promise((resolve) => (ws.onmessage = resolve));
  ws.close();
  await new Promise((resolve) => (ws.onclose = resolve));
  await stop();
}

// --- idle clients (memory case) -------------------------------------------------------------

async function openIdle(url: string, n: number): Promise<number> {
  const { WebSocket } = await import("ws");
  for (let i = 0; i < n; i += 100) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + 100); j++) {
      const ws = new WebSocket(url.replace("{i}", String(j)), { perMessageDeflate: false });
      idle.push({ close: () => ws.terminate() });
      batch.push(
        new Promise<void>((resolve, reject) => {
          ws.once("open", () => resolve());
          ws.once("error", reject);
        }),
      );
    }
    await Promise.all(batch);
  }
  return idle.length;
}

serveCommands(async (command) => {
  switch (command.op) {
    case "rpc":
      return rpcLoad(command);
    case "ref-rpc":
      return referenceLoad(command);
    case "ladder":
      return ladderLoad(command);
    case "wsecho": {
      const client = await raw(command.url);
      return client.echo(command.inflight, JSON.stringify(payloadFor(command.size)), command.ms);
    }
    case "s2c-serve":
      if (command.kind === "raw") await raw(`ws://${HOST}:${command.port}/s2c`, true);
      else await rpc(command.kind, command.port, "bench");
      return "ok";
    case "ff":
      return fireAndForget(command);
    case "cycle":
      return cycle(command.kind, command.ms);
    case "idle-open":
      return openIdle(command.url, command.n);
    case "idle-close":
      for (const c of idle.splice(0)) c.close();
      await sleep(200);
      return "ok";
    case "close-all":
      for (const c of raws.values()) c.close();
      for (const c of clients.values()) c.close();
      for (const c of references.values()) c.close();
      for (const c of ladders.values()) c.close();
      references.clear();
      ladders.clear();
      raws.clear();
      clients.clear();
      await sleep(100);
      return "ok";
    case "cpu": {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    }
    case "exit":
      setTimeout(() => process.exit(0), 20);
      return "bye";
    default:
      throw new Error(`unknown op ${command.op}`);
  }
});
emit({ ready: true, version: runtimeVersion(), pid: process.pid });
