/**
 * `mocks.waitFor` from other processes is bounded: every journal entry is tested against every
 * open wait, so a process that opened 200,000 waits made each request to the hub cost 70 ms, for
 * two minutes after it had gone, and a new wait is tested against every entry the ring holds: one
 * connection's 1,000 32-star globs over long paths held the hub for seconds. A connection may have
 * 100 waits open, the hub 1,000, each refusal naming its limit, and a connection's waits are called
 * off when it closes.
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

test("a connection's 101st open journal wait is refused with a clear message naming the limit; the hub's 1,001st too, until a connection closes", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t);
  await fetch(`${server.getUrl()}/seen`);
  const all: Mocks[] = [];
  t.after(() => Promise.all(all.map((mocks) => mocks.close())));
  for (let i = 0; i < 10; i++) {
    const mocks = await connectMocks(server.getPort());
    all.push(mocks);
    openWaits(mocks, 100);
  }
  // Answered in order: once this one is refused, its connection's 100 waits are open.
  assert.match(await oneMore(all[0]!), /This connection already waits for 100 journal entries, the most one connection may \(100 waitFor open at once\)/);

  const late = await connectMocks(server.getPort());
  all.push(late);
  assert.match(await oneMore(late), /The hub already has 1000 journal waits open, the most it takes from all connections together \(1000\)/);

  // The hub learns of the close a moment after close() resolves on this side.
  await all[3]!.close();
  let answer = await oneMore(late);
  for (let tries = 0; answer !== "accepted" && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await oneMore(late);
  }
  assert.equal(answer, "accepted");
});

test("a connection's open journal waits make the hub print nothing (a signal shared by them had Node warn of an EventTarget leak past 10)", async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const server = await startServer(t);
  await fetch(`${server.getUrl()}/seen`);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  openWaits(mocks, 50);
  // Answered in order: once this one is, the 50 before it are open on the hub.
  assert.equal(await oneMore(mocks), "accepted");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(warnings, []);
});
