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
