/**
 * The hub of bench/mocks-relay.ts, on Bun, Deno or Node (`node --import tsx`): two IPCServers, one answering `GET /users/:id`
 * with its own intercept route (local), one bare, whose mock a test's process adds (remote).
 *   deno run -A bench/mocks-relay-hub.ts [front|direct] [scopes]      bun bench/mocks-relay-hub.ts [-] [scopes]
 * Prints `{"local":N,"remote":N,"pid":N}`; stops when stdin ends.
 */
import process from "node:process";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const { IPCServer } = await import(`../adapters/${runtime}.ts`);
const options = { resettableConnections: process.argv[2] !== "direct" };
const local = new IPCServer(0, options);
// `scopes`: both servers bare; the mocker adds 1 scope × 10 rules to the first, 1,000 × 10 to the second.
if (process.argv[3] !== "scopes") local.interceptHttp("GET", "/users/:id", (_body: unknown, params: Record<string, string>) => ({ id: params["id"], name: "Mock User" }));
const remote = new IPCServer(0, options);
if (!(await local.start()) || !(await remote.start())) throw new Error("the hub did not start");
console.log(JSON.stringify({ local: local.getPort(), remote: remote.getPort(), pid: process.pid }));
process.stdin.on("data", () => {});
await new Promise((resolve) => process.stdin.on("end", resolve));
await local.teardown();
await remote.teardown();
process.exit(0);
