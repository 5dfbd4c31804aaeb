/**
 * The backend every proxy forwards to, and the plain `node:http` limit hit directly:
 * `GET /users/:id` answers what the intercept routes answer, `/api/big` 1 MiB of text, anything
 * else a small JSON list;
 * a WebSocket upgrade on any path is an echo (`ws`).
 */
import http from "node:http";
import { WebSocketServer } from "ws";
import { emit, serveCommands } from "./_rt.ts";

const ITEMS = JSON.stringify({ items: [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }, { id: 3, name: "gamma" }], total: 3 });

/** `/api/big`: 1 MiB of text, for the recording's memory bound (replay family). */
const BIG = "x".repeat(1024 * 1024);

const server = http.createServer((req, res) => {
  const url = req.url ?? "/";
  let body: string;
  if (url.startsWith("/users/")) body = JSON.stringify({ id: url.slice(7).split("?")[0], name: "Mock User" });
  else if (url.startsWith("/api/big")) body = BIG;
  else body = ITEMS;
  // Drain any request body before answering.
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on("message", (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

serveCommands(async (command) => {
  if (command.op === "cpu") {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  }
  if (command.op === "exit") {
    for (const ws of wss.clients) ws.terminate();
    server.closeAllConnections();
    server.close();
    setTimeout(() => process.exit(0), 50);
  }
});
emit({ ready: { backend: (server.address() as { port: number }).port } });
