/**
 * A test that checks a request was *not* made waits for it and expects the timeout, over and
 * over, all day: the hub answers each with the timeout, and its log (the terminal of
 * `crossipc hub`, which prints warnings) does not get a warning line for every one.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, IPCServer } from "../../adapters/node.ts";
import { rejection } from "./_helpers.ts";

test("a mocks waitFor that times out is answered, not logged as a failing handler", async (t) => {
  const logged: string[] = [];
  const line = (message: string, ...details: unknown[]) => void logged.push([message, ...details.map((d) => (d as Error)?.message ?? String(d))].join(" "));
  const server = new IPCServer(0, { logger: { warn: line, error: line } });
  await server.start();
  t.after(() => server.teardown());
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  for (let i = 0; i < 3; i++) {
    const missed = await rejection(scope.waitFor({ path: "/never" }, 20));
    assert.match(missed.message, /Journal: no entry matching \{path="\/never", scope=".+"\} within 20ms/);
  }
  // A wait that cannot be is the caller's mistake: told to the caller, before it reaches the hub (c37885a).
  const refused = await rejection(scope.waitFor({ path: "/x" }, -1));
  assert.match(refused.message, /timeoutMs must be .*got -1/);
  assert.deepEqual(logged.filter((message) => message.includes("no entry matching")), []);
});
