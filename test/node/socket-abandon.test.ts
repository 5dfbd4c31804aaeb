/**
 * IPCSocket's `abandon`: a pending request nobody waits for any more is dropped at once (its
 * promise rejected, its id forgotten), and the peer's late answer is ignored with no warning.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";

test("abandon rejects a pending request, forgets its id, and a late answer is ignored quietly", async () => {
  const sent: string[] = [];
  const said: string[] = [];
  const logger = { warn: (message: string) => void said.push(`warn ${message}`), error: (message: string) => void said.push(`error ${message}`), info: () => {}, debug: () => {} };
  const socket = new IPCSocket({ send: (frame: string) => void sent.push(frame), close() {} }, { attach: false, logger });
  const { id, answer } = socket.requestWithId("work", { n: 1 }, 60_000);
  const kept = socket.request("work", { n: 2 }, 60_000);
  assert.deepEqual(sent, [`r:${id}:work:{"n":1}`, `r:${Number(id) + 1}:work:{"n":2}`]);
  assert.equal(socket.pendingCount, 2);

  assert.equal(socket.abandon(id), true);
  await assert.rejects(answer, { code: "ERR_IPC_CLOSED", message: "The request was abandoned: nobody waits for its answer" });
  assert.equal(socket.pendingCount, 1);
  assert.equal(socket.abandon(id), false, "only once");

  socket.receive(`s:${id}:work:{"success":true,"data":"late"}`);
  socket.receive(`s:${Number(id) + 1}:work:{"success":true,"data":"kept"}`);
  assert.equal(await kept, "kept");
  assert.equal(socket.pendingCount, 0);
  assert.deepEqual(said, []);
});

test("abandon takes the caller's reason", async () => {
  const socket = new IPCSocket({ send() {}, close() {} }, { attach: false });
  const { id, answer } = socket.requestWithId("work");
  const reason = new DOMException("The client went away", "AbortError");
  socket.abandon(id, reason);
  await assert.rejects(answer, (error) => error === reason);
});
