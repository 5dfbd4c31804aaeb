/**
 * A WebSocket mock whose handler takes longer than the hub's `proxyTimeout` to take the socket:
 * the hub answers the client's upgrade 504 and keeps nothing for it. The mock's socket must end
 * too (`onClose`, `open` false), not stay open and held by the test's connection for as long as
 * it lives. Its `send` then drops the frame, as a closed WebSocket's does, but still throws for a
 * frame that is not one or is too large: a mistake in the handler does not depend on timing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { connectMocks, type MockWebSocket } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("a WebSocket mock that takes the socket after proxyTimeout: the client gets 504 and the mock's socket ends", { timeout: 30_000 }, async (t) => {
  const server = await startServer(t, { proxyTimeout: 300, maxMessageSize: 64 * 1024 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let taken!: MockWebSocket;
  let resume!: () => void;
  const handlerWaits = new Promise<void>((resolve) => (resume = resolve));
  const closed = new Promise<[number, string]>((resolve) => {
    void mocks.interceptWebSocket("/late", async (socket) => {
      taken = socket;
      socket.onClose((code, reason) => resolve([code, reason]));
      await handlerWaits;
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 100));

  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/late`);
  const [, response] = (await once(client, "unexpected-response")) as [unknown, { statusCode: number }];
  assert.equal(response.statusCode, 504);
  // A round trip on the mocks' own connection: whatever the hub sent it before is here by then.
  await (await mocks.intercept("GET", "/after", () => "ok")).remove();
  assert.equal(taken.open, false, "the mock's socket ended with the upgrade");
  const [code, reason] = await closed;
  assert.equal(code, 1011);
  assert.equal(reason, "504: did not answer within 300ms");
  resume();
  // Dropped, as a closed WebSocket's send() drops it: a handler sending late must not throw in the test process.
  assert.doesNotThrow(() => taken.send("late"));
  assert.doesNotThrow(() => taken.send(new Uint8Array(3)));
  assert.throws(() => taken.send({ late: true } as never), TypeError);
  assert.throws(() => taken.send("x".repeat(64 * 1024)), RangeError);
  assert.equal(taken.open, false);
});
