/**
 * IPCSocket keeps pending requests under their id as a number (session 28, a Deno cost of string
 * keys): an answer settles a request only when its id is the request's id as sent, not another
 * text for the same number ("01", "1.0", " 1", "+1", "1e0"), and `abandon` takes only the id as given.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";

test("an answer whose id is another spelling of a pending id's number is ignored, the real one settles", async () => {
  const debug: string[] = [];
  const logger = { warn: () => {}, error: () => {}, info: () => {}, debug: (message: string) => void debug.push(message) };
  const socket = new IPCSocket({ send() {}, close() {} }, { attach: false, logger });
  const { id, answer } = socket.requestWithId("work", undefined, 60_000);
  assert.equal(id, "1");
  for (const other of ["01", "1.0", " 1", "+1", "1e0", "0x1"]) socket.receive(`s:${other}:work:{"success":true,"data":"wrong"}`);
  assert.equal(socket.pendingCount, 1, "no other spelling took the request");
  assert.equal(debug.length, 6, debug.join("\n"));
  assert.ok(debug.every((line) => line.includes("No pending request for response id: ")), debug.join("\n"));
  for (const other of ["01", "1.0", "+1"]) assert.equal(socket.abandon(other), false, `abandon(${JSON.stringify(other)})`);
  socket.receive(`s:${id}:work:{"success":true,"data":"right"}`);
  assert.equal(await answer, "right");
  assert.equal(socket.pendingCount, 0);
});

test("ids that parse to no pending number, or to one no request has, settle nothing; the peer's request ids are another space", async () => {
  const sent: string[] = [];
  const debug: string[] = [];
  const logger = { warn: () => {}, error: () => {}, info: () => {}, debug: (message: string) => void debug.push(message) };
  const socket = new IPCSocket({ send: (frame: string) => void sent.push(frame), close() {} }, { attach: false, logger });
  socket.onRequest("work", (data) => ({ mine: data }));
  const { id, answer } = socket.requestWithId("work", undefined, 60_000);
  // "", "-0" and "0" are all the number 0, "NaN" is NaN, 2^53 + 1 reads as 2^53, 400 digits as 1e399.
  const odd = ["", "0", "-0", "NaN", "Infinity", "-Infinity", "9007199254740993", "1".padEnd(400, "0"), "1n", "0b1", "١"];
  for (const other of odd) socket.receive(`s:${other}:work:{"success":true,"data":"wrong"}`);
  for (const other of odd) assert.equal(socket.abandon(other), false, `abandon(${JSON.stringify(other)})`);
  assert.equal(socket.pendingCount, 1);
  assert.equal(debug.length, odd.length, debug.join("\n"));
  // The peer's request under the same id is its own: answered by the handler, ours still pending.
  socket.receive(`r:${id}:work:"theirs"`);
  assert.deepEqual(sent.slice(1), [`s:${id}:work:{"success":true,"data":{"mine":"theirs"}}`]);
  assert.equal(socket.pendingCount, 1);
  socket.receive(`s:${id}:work:{"success":true,"data":"right"}`);
  assert.equal(await answer, "right");
});
