/**
 * A remote fault's owner is asked to take each count, and the faulted request waits for its answer
 * (../../src/mocks/_countAck.ts). An owner that reads those requests but answers none had one
 * pending on the hub for each counted request, for `proxyTimeout` each, however many came. Now the
 * hub waits on at most 1,000 unanswered requests of one owner: past that a counted request goes on
 * at once, and the owner is not asked (a count is a running total: the next one told carries it).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { rawSocket, startServer, type RawSocket } from "./_helpers.ts";

const HITS = /^r:([^:]+):__crossipc\/faults\/hits:(.*)$/;

async function ask(raw: RawSocket, frame: string): Promise<void> {
  raw.send(frame);
  assert.match(await raw.next(), /"success":true/);
}

test("an owner that answers no count requests holds at most 1,000 on the hub; further faulted requests go on without asking it", { timeout: 50_000 }, async (t) => {
  const server = await startServer(t, { proxyTimeout: 120_000 });
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  await ask(raw, 'r:1:__crossipc/mocks/hello:{"protocol":1}');
  await ask(raw, `r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault: { status: 503 } })}`);

  // Each request's client leaves once the owner was asked: its wait ends, the owner's request stays unanswered.
  for (let i = 1; i <= 1_000; i++) {
    const leave = new AbortController();
    const request = fetch(`${server.getUrl()}/faulted`, { signal: leave.signal }).catch(() => "left");
    const asked = HITS.exec(await raw.next());
    assert.ok(asked, `request ${i}: the owner was asked`);
    assert.equal(JSON.parse(asked[2]!).hits, i);
    leave.abort();
    await request;
  }
  // The 1,001st: answered by its fault without waiting for the owner, who is not asked.
  const answered = fetch(`${server.getUrl()}/faulted`);
  const first = await Promise.race([answered, raw.next().then((frame) => `the owner was asked: ${frame.slice(0, 60)}`)]);
  assert.ok(first instanceof Response, String(first));
  assert.equal(first.status, 503);
  await first.text();
  assert.deepEqual(raw.frames, [], "the owner was not asked again");
});
