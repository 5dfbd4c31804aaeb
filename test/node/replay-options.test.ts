/**
 * `server.replay` and `mocks.replay` refuse options they do not know, and options that are not
 * an object, with a TypeError naming them (in the test's process for `mocks.replay`, as a bad
 * onMiss is there too): `{ onmiss: "404" }` was taken as no option at all, so the replay let
 * every miss through to the services instead of answering 404. Nothing is added.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, type Har, type ReplayOptions } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const EMPTY: Har = { log: { version: "1.2", creator: { name: "test", version: "1" }, entries: [] } };

test("server.replay and mocks.replay refuse unknown options, naming them", async (t) => {
  const server = await startServer(t);
  assert.throws(() => server.replay(EMPTY, { onmiss: "404" } as unknown as ReplayOptions), { name: "TypeError", message: 'replay: unknown option "onmiss" (onMiss, api, name)' });
  assert.throws(() => server.replay(EMPTY, "404" as unknown as ReplayOptions), { name: "TypeError", message: 'replay: options must be an object ({ onMiss, api, name }), got "404"' });

  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await assert.rejects(mocks.scope().replay(EMPTY, { onmiss: "404" } as unknown as ReplayOptions), { name: "TypeError", message: 'replay: unknown option "onmiss" (onMiss, api, name)' });
  await assert.rejects(mocks.replay(EMPTY, { onMiss: "drop" as "404" }), { name: "TypeError", message: 'replay: onMiss must be "next" or "404", got "drop"' });

  const answer = await fetch(`${server.getUrl()}/anything`);
  assert.equal(answer.status, 404);
  assert.match(await answer.text(), /No route for GET \/anything/, "no replay was added");
  const replay = server.replay(EMPTY, { onMiss: "404", api: undefined, name: "kept", timeout: undefined } as ReplayOptions);
  assert.equal(replay.name, "kept", "the known options with undefined values, and an unknown one left undefined, still pass");
  replay.remove();
});
