/**
 * The test's process of bench/mocks-relay.ts (Node): adds `GET /users/:id` as a remote mock to
 * each hub port given, and keeps the connections open until stdin ends.
 *   node --import tsx bench/mocks-relay-mocker.ts [--scopes] PORT...
 */
import { connectMocks } from "../adapters/node.ts";

const connections: Array<{ close(): Promise<void> }> = [];
const handler = (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["id"], name: "Mock User" });
// `--scopes`: ports in pairs, 1 scope × 10 rules on the first, 1,000 × 10 on the second (bench/cases/mocks.ts's scoped case).
const scoped = process.argv[2] === "--scopes";
for (const [i, port] of process.argv.slice(scoped ? 3 : 2).entries()) {
  const mocks = await connectMocks(Number(port));
  if (!scoped) await mocks.intercept("GET", "/users/:id", handler);
  for (let s = 0; scoped && s < (i % 2 ? 1000 : 1); s++) {
    const scope = mocks.scope(`bench-scope-${s}`);
    await Promise.all(Array.from({ length: 10 }, (_, j) => scope.intercept("GET", `/scoped/r${j}/:id`, handler)));
  }
  connections.push(mocks);
}
console.log("ready");
process.stdin.on("data", () => {});
process.stdin.on("end", async () => {
  for (const mocks of connections) await mocks.close().catch(() => {});
  process.exit(0);
});
