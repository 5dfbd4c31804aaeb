/**
 * A mock that answers a body larger than the hub's `maxMessageSize` lets through gets a clear
 * 500 naming the limit, and its process keeps its connection and its other rules. The body was
 * encoded (base64, 4/3 of it) before its size was checked: a 200 MiB answer held the test's
 * process ~18 s on Node at load 8, the hub took it for dead, and every rule of it went (502 "went
 * away"). The hub runs in its own process (as `crossipc hub` does).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { mocksHubProcess, waitFor } from "./_helpers.ts";

/**
 * Past what one string can hold once encoded (V8: 2^29 - 24 characters; base64 takes 4/3): the
 * encoding itself failed, so the answer named a RangeError instead of the limit, whatever the speed.
 */
const HUGE = 410 * 1024 * 1024;

test("a 410 MiB answer from a mock gets 500 naming maxMessageSize, and the process keeps its connection and rules", async (t) => {
  const port = (await mocksHubProcess(t)).port;
  const mocks = await connectMocks(port);
  t.after(() => mocks.close());
  let closed = false;
  mocks.client.onClose(() => (closed = true));
  await mocks.intercept("GET", "/small", () => ({ small: true }));
  // Bytes that are not UTF-8: the answer would go as base64.
  await mocks.interceptRequest("GET", "/huge", () => new Response(new Uint8Array(HUGE).fill(0xff)));

  const response = await fetch(`http://127.0.0.1:${port}/huge`);
  const answer = (await response.json()) as { error: string };
  assert.equal(response.status, 500, answer.error);
  assert.match(answer.error, /answered a 429916160-byte body, over what the hub's maxMessageSize \(67108864 bytes\) lets through/);
  assert.equal(closed, false);
  assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/small`)).json(), { small: true });
});
