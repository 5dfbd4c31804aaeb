/**
 * A replay added from another process (`mocks.replay`) is answered by the hub at once, and the
 * hub reports its matched/missed counts to the owner. It sent a request per replayed request,
 * each held pending for `proxyTimeout` (30 s): an owner that did not answer (a busy test
 * process, or one that never does) made the hub hold one per request it replayed, however fast
 * they came. Now one report is in flight at a time and the next carries the totals.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { rawSocket, startServer } from "./_helpers.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";

const har = ONE_ENTRY_HAR;

const REPORT = /^r:(\d+):__crossipc\/mocks\/replayCounts:(.*)$/;

test("an owner that does not answer its replay's count reports has one report pending, not one per replayed request", async (t) => {
  const server = await startServer(t);
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
  assert.match(await raw.next(), /^s:1:.*"success":true/);
  raw.send(`r:2:__crossipc/mocks/add:${JSON.stringify({ ref: 1, scope: null, kind: "replay", method: "*", path: "/**", har })}`);
  const added = await raw.next();
  const id = (JSON.parse(added.slice(added.indexOf("{"))) as { data: { id: string } }).data.id;

  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${server.getUrl()}/recorded`);
    assert.equal(await response.text(), "ok");
  }
  // Answers come in order: once this one is here, every report sent before it is too.
  const roundTrip = async (n: number) => {
    raw.send(`r:${n}:__crossipc/mocks/hello:{"protocol":1}`);
    while (!raw.frames.some((frame) => frame.startsWith(`s:${n}:`))) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await roundTrip(3);
  const reports = () => raw.frames.filter((frame) => REPORT.test(frame));
  assert.equal(reports().length, 1, `${reports().length} reports pending for 200 replayed requests`);
  assert.deepEqual(JSON.parse(REPORT.exec(reports()[0]!)![2]!), { id, matched: 1, missed: 0 });

  // Answered, it is followed by one report with the totals, and then nothing until more requests.
  raw.send(`s:${REPORT.exec(reports()[0]!)![1]}:__crossipc/mocks/replayCounts:{"success":true}`);
  raw.frames.splice(0);
  while (reports().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(JSON.parse(REPORT.exec(reports()[0]!)![2]!), { id, matched: 200, missed: 0 });
  raw.send(`s:${REPORT.exec(reports()[0]!)![1]}:__crossipc/mocks/replayCounts:{"success":true}`);
  await roundTrip(4);
  assert.equal(reports().length, 1, "no report without a new replayed request");
  raw.frames.splice(0);
  await fetch(`${server.getUrl()}/recorded`).then((response) => response.text());
  await roundTrip(5);
  assert.deepEqual(JSON.parse(REPORT.exec(reports()[0]!)![2]!), { id, matched: 201, missed: 0 });
});
