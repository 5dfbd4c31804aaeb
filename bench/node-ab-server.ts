/**
 * The server process of bench/node-ab.ts, on Node (compiled: `tsc -p bench/tsconfig.json`, run
 * from bench/.build/bench/): the bench's framework server with its handlers, as bench/host.ts
 * starts it, so that the A/B measures what `npm run bench` measures.
 *   node bench/.build/bench/node-ab-server.js crossipc|nojournal|orig|ref|raw
 * crossipc: `new IPCServer(0, {})` (journal on, the default); nojournal: `{ journal: false }`;
 * orig: the original design's server (bench/_original.ts); ref: the reference server
 * (bench/_reference.ts), the fixed peer when a client is measured; raw: the raw echo's server
 * (bench/_raw.ts, `ws` echoing every message), the limit issue 20 compares against.
 * Prints `{"port":N,"pid":N}`; stops when stdin ends.
 */
import process from "node:process";

const mode = process.argv[2] ?? "crossipc";
const echo = (payload: unknown) => payload;
const intercept = (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["id"], name: "Mock User" });
const resolver = (path: string) => (path.startsWith("/api") ? "http://127.0.0.1:1" : undefined);

let port: number;
let stop: () => Promise<void>;
if (mode === "orig") {
  const { OriginalServer } = await import("./_original.ts");
  const server = new OriginalServer();
  server.onFrameworkMessage("echo", echo);
  server.onFrameworkMessage("flush", () => true);
  server.onFrameworkNotification("note", () => {});
  server.interceptHttp("GET", "/users/:id", intercept);
  server.setRouteProxyResolver(resolver);
  await server.start();
  port = server.port;
  stop = () => server.teardown();
} else if (mode === "raw") {
  const { startRawServer } = await import("./_raw.ts");
  const server = await startRawServer();
  port = server.port;
  stop = () => server.close();
} else if (mode === "ref") {
  const { startReferenceServer } = await import("./_reference.ts");
  const server = await startReferenceServer();
  port = server.port;
  stop = () => server.close();
} else {
  const { IPCServer } = await import("../adapters/node.ts");
  const server = new IPCServer(0, mode === "nojournal" ? { journal: false } : {});
  if (!(await server.start())) throw new Error("crossipc: start() returned false on port 0");
  server.onFrameworkMessage(IPCServer.defineRequest<unknown, unknown>("echo"), echo);
  server.onFrameworkMessage(IPCServer.defineRequest<void, boolean>("flush"), () => true);
  server.onFrameworkNotification("note", () => {});
  server.interceptHttp("GET", "/users/:id", intercept);
  server.setRouteProxyResolver(resolver);
  port = server.getPort();
  stop = () => server.teardown();
}
console.log(JSON.stringify({ port, pid: process.pid }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await stop();
  process.exit(0);
});
