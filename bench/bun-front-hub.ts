/**
 * The Bun hub of bench/bun-front.ts: an intercept route, a framework request and `/api/**`
 * proxied to a backend, behind the front to `Bun.serve` on a Unix socket (the default) or on a
 * loopback port, or straight on `Bun.serve` (`resettableConnections: false`).
 *   bun bench/bun-front-hub.ts unix|tcp|direct http://127.0.0.1:BACKEND
 * Prints `{"port":N,"pid":N}`; stops when stdin ends.
 */
import process from "node:process";
import { IPCServer } from "../adapters/bun.ts";
import { preferTcp } from "../adapters/_bun-inner.ts";

if (process.argv[2] === "tcp") preferTcp();

const server = new IPCServer(0, { journal: false, resettableConnections: process.argv[2] !== "direct" });
server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params["id"] }));
const backend = process.argv[3];
server.setRouteProxyResolver((path) => (backend && path.startsWith("/api/") ? backend : undefined));
server.onFrameworkMessage(IPCServer.defineRequest<number, number>("bench/echo"), (n) => n);
if (!(await server.start())) throw new Error("the hub did not start");
console.log(JSON.stringify({ port: server.getPort(), pid: process.pid }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.teardown();
  process.exit(0);
});
