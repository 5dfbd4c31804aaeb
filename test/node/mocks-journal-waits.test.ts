/**
 * `mocks.waitFor` from other processes is bounded: every journal entry is tested against every
 * open wait, so a process that opened 200,000 waits made each request to the hub cost 70 ms, for
 * two minutes after it had gone. A connection may have 1,000 waits open, the hub 10,000, and a
 * connection's waits are called off when it closes.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

type Mocks = Awaited<ReturnType<typeof connectMocks>>;

/** Opens `count` waits that nothing will satisfy; their rejections (when the connection closes) are expected. */
function openWaits(mocks: Mocks, count: number): void {
  for (let i = 0; i < count; i++) mocks.waitFor({ path: `/never/${i}` }, 60_000).catch(() => {});
}

/** A wait that is settled at once by an entry already in the journal, or refused. */
async function oneMore(mocks: Mocks): Promise<string> {
  return mocks.waitFor({ path: "/seen" }, 60_000).then(() => "accepted", (error: Error) => error.message);
}

test("a connection's 1,001st open journal wait is refused with a clear message; the hub's 10,001st too, until a connection closes", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t);
  await fetch(`${server.getUrl()}/seen`);
  const all: Mocks[] = [];
  t.after(() => Promise.all(all.map((mocks) => mocks.close())));
  for (let i = 0; i < 10; i++) {
    const mocks = await connectMocks(server.getPort());
    all.push(mocks);
    openWaits(mocks, 1_000);
  }
  // Answered in order: once this one is refused, its connection's 1,000 waits are open.
  assert.match(await oneMore(all[0]!), /This connection already waits for 1000 journal entries/);

  const late = await connectMocks(server.getPort());
  all.push(late);
  assert.match(await oneMore(late), /The hub already has 10000 journal waits open/);

  // The hub learns of the close a moment after close() resolves on this side.
  await all[3]!.close();
  let answer = await oneMore(late);
  for (let tries = 0; answer !== "accepted" && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await oneMore(late);
  }
  assert.equal(answer, "accepted");
});
