/**
 * The server side of the bench, one process per runtime (Node, Bun, Deno alike):
 *   raw      the runtime's raw WebSocket echo (the limit)
 *   crossipc an IPCServer with the bench's handlers, intercept route and proxy resolver
 *   orig     the original design (Node only)
 *   peer     http-proxy with a keep-alive agent (Node only)
 *   proto-proxy  prototype: crossipc whose Node proxy upstream reads small answers whole (Node only)
 *   proto-intercept prototype: the intercept path on srvx without h3, compiled rou3 routes
 *   crossws  diagnostic: crossws alone with an echo hook
 *   proto-wspipe prototype: WebSocket upgrades piped over TCP from crossws's upgrade hook (Node only)
 * Usage: host.ts --roles raw,crossipc --backend http://127.0.0.1:PORT
 * Prints `@@{"ready":{role:port}}`, then takes commands on stdin (see `commands` below).
 */
import process from "node:process";
import type { LoadResult } from "./_load.ts";
import { promiseLoop } from "./_load.ts";
import { startRawServer, type RawServer } from "./_raw.ts";
import { emit, memory, payloadFor, runtime, runtimeVersion, serveCommands, type PayloadSize } from "./_rt.ts";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const roles = new Set((arg("roles") ?? "raw,crossipc").split(",").filter(Boolean));
const backend = arg("backend") ?? "http://127.0.0.1:1";
const resolver = (path: string) => (path.startsWith("/api") || path.startsWith("/ws") ? backend : undefined);

const ports: Record<string, number> = {};
const closers: Array<() => Promise<void>> = [];
let raw: RawServer | undefined;
let crossipc: any;
let orig: any;

const echo = (payload: unknown) => payload;
const intercept = (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["id"], name: "Mock User" });

if (roles.has("raw")) {
  raw = await startRawServer();
  ports["raw"] = raw.port;
  closers.push(() => raw!.close());
}

if (process.env["BENCH_BATCH"] === "1") {
  // Prototype: every frame sent in one tick goes out in one writev (see proto_batch.ts).
  const { installBatching, installBunBatching, setBatching } = await import("./proto_batch.ts");
  if (runtime() === "bun") await installBunBatching();
  else await installBatching();
  setBatching(true);
}

if (roles.has("crossipc")) {
  const m = await import(`../adapters/${runtime()}.ts`);
  crossipc = new m.IPCServer(0, {});
  if (!(await crossipc.start())) throw new Error("crossipc: start() returned false on port 0");
  crossipc.onFrameworkMessage("echo", echo);
  crossipc.onFrameworkMessage("flush", () => true);
  crossipc.onFrameworkNotification("note", () => {});
  crossipc.interceptHttp("GET", "/users/:id", intercept);
  crossipc.setRouteProxyResolver(resolver);
  ports["crossipc"] = crossipc.getPort();
  closers.push(() => crossipc.teardown());
}

if (roles.has("orig") || roles.has("peer")) {
  const original = await import("./_original.ts");
  if (roles.has("orig")) {
    orig = new original.OriginalServer();
    orig.onFrameworkMessage("echo", echo);
    orig.onFrameworkMessage("flush", () => true);
    orig.onFrameworkNotification("note", () => {});
    orig.interceptHttp("GET", "/users/:id", intercept);
    orig.setRouteProxyResolver(resolver);
    await orig.start();
    ports["orig"] = orig.port;
    closers.push(() => orig.teardown());
  }
  if (roles.has("peer")) {
    const peer = await original.startKeepAliveProxy(resolver);
    ports["peer"] = peer.port;
    closers.push(() => peer.close());
  }
}

if (roles.has("proto-proxy")) {
  const { startProtoNodeProxy } = await import("./proto_node_proxy.ts");
  const proto = await startProtoNodeProxy(resolver);
  ports["proto-proxy"] = proto.port;
  closers.push(() => proto.close());
}

if (roles.has("proto-wspipe")) {
  const { startProtoWsPipe } = await import("./proto_ws_pipe.ts");
  const proto = await startProtoWsPipe(resolver);
  ports["proto-wspipe"] = proto.port;
  closers.push(() => proto.close());
}

if (roles.has("crossws")) {
  // Diagnostic: crossws alone (its runtime server, default options, an echo hook), to tell its
  // per-connection cost from crossipc's in the memory case.
  const { serve } = await import(`crossws/server/${runtime()}`);
  const server = serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response("not found", { status: 404 }),
    websocket: { message: (peer: { send(d: unknown): void }, message: { rawData: unknown }) => peer.send(message.rawData) },
    silent: true,
    gracefulShutdown: false,
    manual: true,
  });
  await server.serve();
  await server.ready();
  ports["crossws"] = Number(new URL(server.url).port);
  closers.push(() => server.close(true));
}

if (roles.has("proto-intercept")) {
  const { startProtoIntercept } = await import("./proto_intercept.ts");
  const proto = await startProtoIntercept([["GET", "/users/:id", intercept as never]]);
  ports["proto-intercept"] = proto.port;
  closers.push(() => proto.close());
}

async function s2c(kind: string, inflight: number, size: PayloadSize, ms: number): Promise<LoadResult> {
  const payload = payloadFor(size);
  if (kind === "raw") return raw!.s2c(inflight, JSON.stringify(payload), ms);
  const server = kind === "orig" ? orig : crossipc;
  return promiseLoop(() => server.sendFrameworkMessage("bench", "echo", payload), inflight, ms);
}

serveCommands(async (command) => {
  switch (command.op) {
    case "s2c":
      return s2c(command.kind, command.inflight, command.size, command.ms);
    case "mem":
      return memory();
    case "cpu": {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    }
    case "exit":
      for (const close of closers) await close().catch(() => {});
      // process.exit (not a signal) so that --cpu-prof writes its profile.
      setTimeout(() => process.exit(0), 20);
      return "bye";
    default:
      throw new Error(`unknown op ${command.op}`);
  }
});
emit({ ready: ports, version: runtimeVersion(), pid: process.pid });
