/**
 * IPCSocket's `maxRequestsInFlight` (both sides use it; the server's: test/hub/requests-in-flight.test.ts):
 * only requests whose handler has not settled count, a rejected one frees its place as an
 * answered one does, and the default is 10 000.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";

function socketWith(options: { maxRequestsInFlight?: number }) {
  const sent: string[] = [];
  const socket = new IPCSocket({ send: (frame: string) => void sent.push(frame), close() {} }, { attach: false, ...options });
  const held: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
  socket.onRequest("hold", () => new Promise((resolve, reject) => held.push({ resolve, reject })));
  socket.onRequest("quick", () => "quick");
  return { socket, sent, held };
}

const refusal = (limit: number) =>
  `{"success":false,"error":"Too many requests in flight: this connection already has ${limit} being handled (the maxRequestsInFlight option); send more once some are answered"}`;

test("past maxRequestsInFlight a request is refused at once; answered or failed ones free their place; plain answers never count", async () => {
  const { socket, sent, held } = socketWith({ maxRequestsInFlight: 2 });
  for (let i = 0; i < 5; i++) socket.receive(`r:q${i}:quick:`);
  assert.equal(sent.length, 5, "plain answers hold nothing");
  sent.length = 0;
  socket.receive("r:1:hold:1");
  socket.receive("r:2:hold:2");
  socket.receive("r:3:hold:3");
  socket.receive("r:4:quick:");
  assert.deepEqual(sent, [`s:3:hold:${refusal(2)}`, `s:4:quick:${refusal(2)}`]);
  sent.length = 0;

  held[0]!.reject(new Error("no"));
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(sent, ['s:1:hold:{"success":false,"error":"no"}']);
  socket.receive("r:5:hold:5");
  held[1]!.resolve(2);
  held[2]!.resolve(5);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sent.slice(1), ['s:2:hold:{"success":true,"data":2}', 's:5:hold:{"success":true,"data":5}']);
  assert.equal(socket.isConnected(), true);
});

test("the default is 10 000 in flight", () => {
  const { socket, sent } = socketWith({});
  for (let i = 1; i <= 10_001; i++) socket.receive(`r:${i}:hold:`);
  assert.deepEqual(sent, [`s:10001:hold:${refusal(10_000)}`]);
});

test("an IPCSocket refuses a maxRequestsInFlight that is not a positive integer", () => {
  assert.throws(() => socketWith({ maxRequestsInFlight: 0 }), { name: "RangeError", message: "maxRequestsInFlight must be a positive integer, got 0" });
});
