/**
 * A hub for the hardening attacks, the same under `node --import tsx`, `bun` and `deno run`:
 *   hub.ts '{"backend":"http://127.0.0.1:B/base","options":{"maxBufferedAmount":65536}}'
 * Every path under `/svc` is proxied to `backend` (its base path kept), `/api/hello` is an
 * intercept route. Prints `{"port":N,"pid":N}` once listening; tears down when stdin ends.
 */
import process from "node:process";
import { crossipc } from "../fixtures/_crossipc.ts";

const { backend, options = {} } = JSON.parse(process.argv[2] ?? "{}") as { backend?: string; options?: Record<string, unknown> };
const server = new crossipc.IPCServer(0, options);
server.interceptHttp("GET", "/api/hello", () => ({ hello: true }));
server.interceptHttp("GET", "/api/journal", () => server.journal.entries().filter((entry) => entry.takenBy === "proxy"));
server.interceptRequest("POST", "/api/slow", async (request) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return new Response(await request.text());
});
server.setRouteProxyResolver((path) => (backend && path.startsWith("/svc") ? backend : undefined));
if (!(await server.start())) throw new Error("the hub did not start");
console.log(JSON.stringify({ port: server.getPort(), pid: process.pid }));

process.stdin.resume();
process.stdin.on("end", async () => {
  process.stdin.pause();
  await server.teardown();
  console.log(JSON.stringify({ stopped: true }));
});
