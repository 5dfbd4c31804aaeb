/**
 * Node write batching covers a turn of the event loop, not a tick: a hub relays the HTTP requests
 * of one read batch to one connection (a remote mock, a service) each from its own I/O callback,
 * and those frames must leave in one write.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { corkForTick } from "../../adapters/_node-cork.ts";

test("frames to one socket from separate callbacks of one turn leave together; the next turn's first goes at once", async () => {
  const calls: string[] = [];
  const ws = { _socket: { destroyed: false, cork: () => calls.push("cork"), uncork: () => calls.push("uncork") } };
  corkForTick(ws, 100);
  // Another callback of the same turn (as the next HTTP request of a read batch is): its promise jobs and ticks ran in between.
  await new Promise((resolve) => process.nextTick(resolve));
  await Promise.resolve();
  corkForTick(ws, 100);
  assert.deepEqual(calls, ["cork"], "the second frame of the turn is held, whatever tick wrote it");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ["cork", "uncork"]);
  corkForTick(ws, 100);
  assert.deepEqual(calls, ["cork", "uncork"], "a new turn's first frame is not held");
  await new Promise((resolve) => setImmediate(resolve));
});
