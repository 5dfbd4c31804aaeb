/**
 * The Deno hub of bench/deno-front.ts: an intercept route, a framework request and `/api/**`
 * proxied to a backend, with the TCP front (the default) or without it
 * (`resettableConnections: false`).
 *   deno run -A bench/deno-front-hub.ts front|direct http://127.0.0.1:BACKEND
 * Prints `{"port":N,"pid":N}`; stops when stdin ends.
 */
import { IPCServer } from "../adapters/deno.ts";

declare const Deno: { args: string[]; pid: number; stdin: { readable: AsyncIterable<Uint8Array> } };

const server = new IPCServer(0, { journal: false, resettableConnections: Deno.args[0] !== "direct" });
server.interceptHttp("GET", "/users/:id", (_body, params) => ({ id: params["id"] }));
const backend = Deno.args[1];
server.setRouteProxyResolver((path) => (backend && path.startsWith("/api/") ? backend : undefined));
server.onFrameworkMessage(IPCServer.defineRequest<number, number>("bench/echo"), (n) => n);
if (!(await server.start())) throw new Error("the hub did not start");
console.log(JSON.stringify({ port: server.getPort(), pid: Deno.pid }));
for await (const _ of Deno.stdin.readable);
await server.teardown();
