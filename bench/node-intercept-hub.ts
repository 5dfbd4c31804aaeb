/**
 * A Node hub for bench/intercept-ab.ts: an IPCServer (journal at its defaults) whose intercept
 * route answers its own `new Response(text)`, what test suites hammer. Run from a checkout (the
 * A/B copies it into one that lacks it); prints {"port","pid"}; exits when stdin ends.
 */
import { IPCServer } from "../adapters/node.ts";

const ITEMS = JSON.stringify({ items: [{ id: 1, name: "alpha" }, { id: 2, name: "beta" }, { id: 3, name: "gamma" }], total: 3 });
const server = new IPCServer(0);
server.interceptRequest("GET", "/api/items", () => new Response(ITEMS, { headers: { "content-type": "application/json" } }));
await server.start();
console.log(JSON.stringify({ port: server.getPort(), pid: process.pid }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.teardown();
  process.exit(0);
});
