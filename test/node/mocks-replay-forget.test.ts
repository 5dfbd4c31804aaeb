/**
 * One `connectMocks` connection kept for a whole run (a runner's global setup) while every
 * test replays a recording in a scope of its own: what this process keeps for each replay (to
 * receive the hub's matched/missed counts) goes when the replay or its scope does.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, IPCServer } from "../../adapters/node.ts";
import { trackedReplays } from "../../src/replay/_mocksReplay.ts";
import { waitFor } from "./_helpers.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";

const har = ONE_ENTRY_HAR;

test("replays of closed scopes and removed replays are not kept by a long-lived mocks connection", async (t) => {
  const server = new IPCServer(0);
  await server.start();
  t.after(() => server.teardown());
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  for (let i = 0; i < 40; i++) {
    const scope = mocks.scope();
    await scope.replay(har);
    await scope.close();
    const replay = await mocks.replay(har);
    await replay.remove();
  }
  assert.equal(trackedReplays(mocks.client), 0);
  // One still open keeps receiving its counts.
  const scope = mocks.scope();
  const open = await scope.replay(har);
  assert.equal(await (await fetch(`${server.getUrl()}/recorded`, { headers: scope.headers })).text(), "ok");
  await waitFor(() => open.matched === 1, "the hub's count");
  assert.equal(trackedReplays(mocks.client), 1);
});
