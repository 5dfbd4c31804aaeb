/**
 * A replay added from another process (`mocks.replay`) tells its owner the matched/missed counts
 * of each request it answers, as a request the hub waits on before it answers (so a test reads
 * them current, in every runtime: test/node/remote-counts.test.ts). Bounded: one such request per
 * replayed request, pending only while that request is, and none once its answer is written.
 * (Once each count was a request held for `proxyTimeout` whatever became of the answer, one per
 * replayed request for an owner that did not answer; then a message, which a Bun test process
 * could read after the answer.)
 */
import assert from "node:assert/strict";
import test from "node:test";
import { rawSocket, startServer } from "./_helpers.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";

const har = ONE_ENTRY_HAR;

const COUNTS = /^r:([^:]+):__crossipc\/mocks\/replayCounts:(.*)$/;

test("a replay's counts come as one request per replayed request, and the answer waits until the owner answered it", async (t) => {
  const server = await startServer(t);
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
  assert.match(await raw.next(), /^s:1:.*"success":true/);
  raw.send(`r:2:__crossipc/mocks/add:${JSON.stringify({ ref: 1, scope: null, kind: "replay", method: "*", path: "/**", har })}`);
  const added = await raw.next();
  const id = (JSON.parse(added.slice(added.indexOf("{"))) as { data: { id: string } }).data.id;

  const ids = new Set<string>();
  for (let i = 1; i <= 50; i++) {
    let answered = false;
    const response = fetch(`${server.getUrl()}/recorded`).then(async (r) => {
      answered = true;
      return r.text();
    });
    const frame = COUNTS.exec(await raw.next());
    assert.ok(frame, `request ${i}: the first frame is its counts, as a request`);
    assert.deepEqual(JSON.parse(frame[2]!), { id, matched: i, missed: 0 });
    ids.add(frame[1]!);
    // Let the hub answer if it would (it must not before the owner answers).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(answered, false, `request ${i} was answered before its owner took the counts`);
    raw.send(`s:${frame[1]}:__crossipc/mocks/replayCounts:{"success":true}`);
    assert.equal(await response, "ok");
  }
  // One request per replayed request, each its own.
  assert.equal(ids.size, 50);
  assert.deepEqual(raw.frames, [], "nothing else came");
});
