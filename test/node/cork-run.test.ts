/**
 * Node write batching at one request in flight: a request with no other one pending, and the one
 * answer a read's request gets, go out without scheduling the end of a turn (a `setImmediate`
 * per frame, ~1 µs of every round trip); several requests or answers still leave together.
 */
import assert from "node:assert/strict";
import net from "node:net";
import test, { type TestContext } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { corkForTick } from "../../adapters/_node-cork.ts";
import { batchScopeOf } from "../../src/_batchScope.ts";
import { startServer } from "./_helpers.ts";

const echo = IPCServer.defineRequest<number, number>("echo");

/** Counts `setImmediate` calls while `fn` runs. */
async function immediatesDuring(fn: () => Promise<void>): Promise<number> {
  const original = globalThis.setImmediate;
  let count = 0;
  globalThis.setImmediate = ((...args: Parameters<typeof setImmediate>) => (count++, original(...args))) as typeof setImmediate;
  try {
    await fn();
  } finally {
    globalThis.setImmediate = original;
  }
  return count;
}

/** A client of a server in this process that echoes numbers (no heartbeat: only the test's frames). */
async function echoClient(t: TestContext): Promise<IPCClient> {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (n) => n);
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect();
  t.after(() => client.disconnect());
  return client;
}

test("one request in flight: neither the request nor its answer schedules the end of a turn", async (t) => {
  const client = await echoClient(t);
  for (let i = 0; i < 20; i++) await client.sendFrameworkRequest(echo, i);
  const count = await immediatesDuring(async () => {
    for (let i = 0; i < 200; i++) assert.equal(await client.sendFrameworkRequest(echo, i), i);
  });
  // Before: one per request on each end (400). A few may come from Node's streams.
  assert.ok(count < 20, `${count} setImmediate calls for 200 round trips`);
});

test("requests sent together, and the answers to one read's requests, still leave in few writes", async (t) => {
  const client = await echoClient(t);
  await client.sendFrameworkRequest(echo, 0);
  // Every write of either end (both are in this process) goes through this method of net.Socket.
  const proto = net.Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
  const original = proto._writeGeneric;
  let writes = 0;
  proto._writeGeneric = function (this: unknown, ...args: unknown[]) {
    writes++;
    return original.apply(this, args);
  };
  try {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.sendFrameworkRequest(echo, i)));
    assert.deepEqual(answers, Array.from({ length: 50 }, (_, i) => i));
  } finally {
    proto._writeGeneric = original;
  }
  // Unbatched, 50 requests and 50 answers are 100 writes; batched, a few per end.
  assert.ok(writes <= 10, `${writes} writes for 50 requests and their answers`);
});

test("corkForTick, run scope: a run's first frame goes at once; a second one corks the socket for the rest of the turn", async () => {
  const calls: string[] = [];
  const ws = { _socket: { destroyed: false, cork: () => calls.push("cork"), uncork: () => calls.push("uncork") } };
  corkForTick(ws, 100, "run");
  assert.deepEqual(calls, [], "the first frame is not held");
  await Promise.resolve();
  await new Promise((resolve) => process.nextTick(resolve));
  corkForTick(ws, 100, "run");
  assert.deepEqual(calls, [], "the first frame of a later run is not held either");
  corkForTick(ws, 100, "run");
  assert.deepEqual(calls, ["cork"], "a second frame in one run corks");
  await Promise.resolve();
  corkForTick(ws, 100, "run");
  corkForTick(ws, 100, "turn");
  assert.deepEqual(calls, ["cork"], "the socket stays corked for the rest of the turn, whatever the scope");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ["cork", "uncork"]);
  corkForTick(ws, 100, "run");
  corkForTick(ws, 64 * 1024, "run");
  assert.deepEqual(calls, ["cork", "uncork"], "large frames are never held");
});

test("which batch a frame joins: answers and a client's lone request the run, everything else the turn", () => {
  assert.equal(batchScopeOf("s:1:echo:{}", false), "run");
  assert.equal(batchScopeOf("r:1:echo:1", true), "run");
  // A hub's requests to a client (lone: false) come from separate callbacks of one turn.
  assert.equal(batchScopeOf("r:1:__crossipc/take:1", false), "turn");
  assert.equal(batchScopeOf("m::note:1", false), "turn");
});
