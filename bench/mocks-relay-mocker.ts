/**
 * The test's process of bench/mocks-relay.ts (Node): adds `GET /users/:id` as a remote mock to
 * each hub port given, and keeps the connections open until stdin ends.
 *   node --import tsx bench/mocks-relay-mocker.ts PORT...
 */
import { connectMocks } from "../adapters/node.ts";

const connections: Array<{ close(): Promise<void> }> = [];
for (const port of process.argv.slice(2)) {
  const mocks = await connectMocks(Number(port));
  await mocks.intercept("GET", "/users/:id", (_body, params) => ({ id: params["id"], name: "Mock User" }));
  connections.push(mocks);
}
console.log("ready");
process.stdin.on("data", () => {});
process.stdin.on("end", async () => {
  for (const mocks of connections) await mocks.close().catch(() => {});
  process.exit(0);
});
