/**
 * A test process that is busy (synchronous work, a blocked event loop) or a hub that is slow keeps
 * its mocks: the connection is not taken for dead, and an answer that came in time is not a timeout.
 * The hub runs in its own process, as a suite's hub does, so it answers while this one is blocked.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { MockRequests, MOCKS_PROTOCOL } from "../../src/mocks/_wire.ts";
import { mocksHubProcess, waitFor } from "./_helpers.ts";

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // A user's synchronous work: nothing else in this process runs.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function mockedAnswer(port: number): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/local/1`);
  return response.json();
}

test("a request the hub answered while this process was blocked past its timeout resolves with the answer", async (t) => {
  const { port } = await mocksHubProcess(t);
  const mocks = await connectMocks(port, { heartbeatInterval: 0 });
  t.after(() => mocks.close());
  const answer = mocks.client.sendFrameworkRequest(MockRequests.hello as never, { protocol: MOCKS_PROTOCOL } as never, 200);
  // The hub answers within a millisecond; this process reads it only after 1 s, when the 200 ms timer is long due.
  blockFor(1000);
  assert.equal(((await answer) as { protocol: number }).protocol, MOCKS_PROTOCOL);
  assert.equal(mocks.client.isConnected(), true);
});

test("5 s of synchronous work in the test keeps its connection and its mocks", async (t) => {
  const { port } = await mocksHubProcess(t);
  const mocks = await connectMocks(port);
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/local/:id", () => ({ mocked: true }));
  assert.deepEqual(await mockedAnswer(port), { mocked: true });
  blockFor(5000);
  await sleep(100);
  assert.equal(mocks.client.isConnected(), true);
  assert.deepEqual(await mockedAnswer(port), { mocked: true });
});

test("a hub that does not answer for 9 s (paused, loaded) keeps the test's connection and its mocks", async (t) => {
  const { port, pid } = await mocksHubProcess(t);
  const mocks = await connectMocks(port);
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/local/:id", () => ({ mocked: true }));
  let closed = false;
  mocks.client.onClose(() => (closed = true));
  process.kill(pid, "SIGSTOP");
  // A heartbeat goes out within the first 4 s and waits the rest of the pause for its answer.
  await sleep(9000);
  process.kill(pid, "SIGCONT");
  assert.deepEqual(await mockedAnswer(port), { mocked: true });
  assert.equal(closed, false);
  assert.equal(mocks.client.isConnected(), true);
});

test("a hub that does not answer for 8 s while a test connects (paused, loaded) lets it connect", async (t) => {
  const { port, pid } = await mocksHubProcess(t);
  process.kill(pid, "SIGSTOP");
  // The kernel accepts the TCP connection; the WebSocket handshake waits for the hub.
  const connecting = connectMocks(port).then((mocks) => mocks, (error: Error) => error);
  await sleep(8000);
  process.kill(pid, "SIGCONT");
  const mocks = await connecting;
  assert.ok(!(mocks instanceof Error), `connectMocks rejected: ${(mocks as Error).message}`);
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/local/:id", () => ({ mocked: true }));
  assert.deepEqual(await mockedAnswer(port), { mocked: true });
});
