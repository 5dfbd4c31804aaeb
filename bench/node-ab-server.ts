/**
 * The server process of bench/node-ab.ts, on Node (compiled: `tsc -p bench/tsconfig.json`, run
 * from bench/.build/bench/): the bench's framework server with its handlers, as bench/host.ts
 * starts it, so that the A/B measures what `npm run bench` measures.
 *   node bench/.build/bench/node-ab-server.js crossipc|nojournal|orig|ref|raw|answer|min
 * crossipc: `new IPCServer(0, {})` (journal on, the default); nojournal: `{ journal: false }`;
 * orig: the original design's server (bench/_original.ts); ref: the reference server
 * (bench/_reference.ts), the fixed peer when a client is measured; raw: the raw echo's server
 * (bench/_raw.ts, `ws` echoing every message), the limit issue 20 compares against; answer: the raw
 * echo's server answering each request frame `r:ID:PATH:DATA` with `s:ID:PATH:{"success":true,"data":DATA}`
 * cut out with string slices, no parse (a client's end measured apart, bench/repro/node-ends.mjs).
 * min (session 29): the raw echo's server answering as the protocol's minimum (parse, JSON.parse, handler, JSON.stringify).
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
} else if (mode === "answer") {
  // As the raw echo's Node server (bench/_raw.ts), answering instead of echoing.
  const http = await import("node:http");
  const { WebSocketServer } = await import("ws");
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      const text = data.toString();
      const id = text.indexOf(":", 2);
      const path = text.indexOf(":", id + 1);
      ws.send(`s${text.slice(1, path)}:{"success":true,"data":${text.slice(path + 1)}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  stop = async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
} else if (mode === "min") {
  // Session 29: the raw echo's Node server doing only what the protocol asks of a server: the frame's id and path cut
  // out, DATA `JSON.parse`d, the handler looked up by the path and called, its result `JSON.stringify`d into the answer.
  const http = await import("node:http");
  const { WebSocketServer } = await import("ws");
  const handlers = new Map<string, (payload: unknown) => unknown>([["echo", echo], ["flush", () => true]]);
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      const text = data.toString();
      const id = text.indexOf(":", 2);
      const path = text.indexOf(":", id + 1);
      const name = text.slice(id + 1, path);
      const result = handlers.get(name)!(JSON.parse(text.slice(path + 1)));
      ws.send("s:" + text.slice(2, id) + ":" + name + ':{"success":true,"data":' + JSON.stringify(result) + "}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  stop = async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
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
