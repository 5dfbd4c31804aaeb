/**
 * Run by test/node/mocks-vm-pools.test.ts under vitest's vmThreads and vmForks pools, which
 * evaluate a test file and the modules it imports inside a `vm` context. On Node 20 such a
 * context has no `Symbol.asyncDispose` (Node 20 adds it to the main realm's `Symbol` only), and
 * vitest's `await using` helper falls back to `Symbol.for("Symbol.asyncDispose")`.
 */
import { expect, test } from "vitest";
import { connectMocks } from "../../../adapters/node.ts";

const port = Number(process.env.CROSSIPC_HUB_PORT);

test("await using closes a scope and its connection", async () => {
  await using mocks = await connectMocks(port);
  await using scope = mocks.scope();
  await scope.intercept("GET", "/flags", () => ({ beta: true }));
  const answer = await fetch(`http://127.0.0.1:${port}/flags`, { headers: scope.headers });
  expect(await answer.json()).toEqual({ beta: true });
});
