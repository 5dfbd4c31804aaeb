/**
 * IPCSocket's one timer for every pending request's timeout (set for the earliest deadline, read
 * from the pending requests, which are kept under their id as a number since session 28): each
 * request times out at its own deadline, whatever the order they were sent in, an answered or
 * abandoned one never times out, and a teardown rejects what is left at once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";

test("requests with different timeouts each time out at their own deadline; answered and abandoned ones do not; teardown takes the rest", { timeout: 10_000 }, async (t) => {
  const sent: string[] = [];
  const socket = new IPCSocket({ send: (frame: string) => void sent.push(frame), close() {} }, { attach: false });
  // The timer is unref'd on purpose: hold the event loop open while we wait for it.
  const hold = setInterval(() => {}, 1000);
  t.after(() => clearInterval(hold));
  const started = performance.now();
  const settled = (promise: Promise<unknown>): Promise<{ ok: boolean; code?: string; after: number }> =>
    promise.then(
      () => ({ ok: true, after: performance.now() - started }),
      (error: { code?: string }) => ({ ok: false, code: error.code, after: performance.now() - started }),
    );
  const late = settled(socket.request("work", 1, 600));
  const long = settled(socket.request("work", 2, 60_000));
  const early = settled(socket.request("work", 3, 60));
  const answered = settled(socket.request("work", 4, 100));
  const dropped = socket.requestWithId("work", 5, 100);
  const abandoned = settled(dropped.answer);
  const ids = sent.map((frame) => frame.split(":")[1]);
  assert.equal(socket.pendingCount, 5);
  socket.receive(`s:${ids[3]}:work:{"success":true,"data":"four"}`);
  assert.equal(socket.abandon(dropped.id), true);

  const first = await early;
  assert.equal(first.code, "ERR_IPC_TIMEOUT");
  assert.ok(first.after >= 55 && first.after < 500, `the 60 ms request timed out after ${first.after} ms`);
  const second = await late;
  assert.equal(second.code, "ERR_IPC_TIMEOUT");
  assert.ok(second.after >= 595, `the 600 ms request timed out after ${second.after} ms`);
  assert.equal((await answered).ok, true);
  assert.equal((await abandoned).code, "ERR_IPC_CLOSED");
  assert.equal(socket.pendingCount, 1, "only the 60 s request is left");

  socket.handleClose(1006);
  assert.equal((await long).code, "ERR_IPC_CLOSED");
  assert.equal(socket.pendingCount, 0);
});
