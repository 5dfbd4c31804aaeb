/**
 * A replay added from another process (`mocks.replay`) is answered by the hub at once, and the
 * hub tells the owner its matched/missed counts. It once sent a request per replayed request,
 * each held pending for `proxyTimeout` (30 s): an owner that did not answer (a busy test
 * process, or one that never does) made the hub hold one per request it replayed. Then one
 * report was in flight at a time, and a count read right after an answer was often behind. Now
 * each count is a message, sent before the answer: nothing for the owner to answer, nothing
 * pending on the hub, one frame per replayed request.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { rawSocket, startServer } from "./_helpers.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";

const har = ONE_ENTRY_HAR;

const COUNTS = /^([a-z]):([^:]*):__crossipc\/mocks\/replayCounts:(.*)$/;

test("a replay's counts come as messages, one per replayed request, before its answer: nothing pending for an owner that answers nothing", async (t) => {
  const server = await startServer(t);
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
  assert.match(await raw.next(), /^s:1:.*"success":true/);
  raw.send(`r:2:__crossipc/mocks/add:${JSON.stringify({ ref: 1, scope: null, kind: "replay", method: "*", path: "/**", har })}`);
  const added = await raw.next();
  const id = (JSON.parse(added.slice(added.indexOf("{"))) as { data: { id: string } }).data.id;

  const counts = () => raw.frames.filter((frame) => COUNTS.test(frame)).map((frame) => COUNTS.exec(frame)!);
  for (let i = 1; i <= 200; i++) {
    const response = await fetch(`${server.getUrl()}/recorded`);
    assert.equal(await response.text(), "ok");
    // Sent before the answer, so here once the answer is: the count a test reads is current.
    const last = counts().at(-1);
    assert.ok(last, `no count after answer ${i}`);
    assert.deepEqual(JSON.parse(last[3]!), { id, matched: i, missed: 0 }, `after answer ${i}`);
  }
  // Messages (`m`, no id to answer), one per replayed request: the owner answered none, and the
  // hub holds no pending request for them.
  assert.equal(counts().length, 200);
  assert.deepEqual(new Set(counts().map((match) => `${match[1]}:${match[2]}`)), new Set(["m:"]));
});
