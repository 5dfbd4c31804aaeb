/**
 * Deno module Workers as framework clients: each connects with its own runtimeId, sends the
 * main thread's server a request, and answers the requests the server sends to its runtimeId.
 * Sanitizers on: the workers, their sockets and the server are all gone when the test ends.
 */
import assert from "node:assert/strict";
import { crossipc, Deno, once, startServer } from "./_deno.ts";

const { IPCClient, IPCServer } = crossipc;
const hello = IPCServer.defineRequest<{ from: string }, string>("main/hello");
const whoami = IPCClient.defineRequest<void, string>("worker/whoami");
const multiply = IPCClient.defineRequest<{ a: number; b: number }, number>("worker/multiply");

Deno.test("two module Workers connect with IPCClient, send requests and answer requests sent to their runtimeId", async () => {
  const server = await startServer();
  server.onFrameworkMessage(hello, (payload, msg) => `hello ${payload.from}, you are ${msg.runtimeId}`);
  const connected = new Set<string>();
  server.onClientConnect((_id, runtimeId) => runtimeId && connected.add(runtimeId));

  const workers = ["worker-1", "worker-2"].map((runtimeId) => {
    const worker = new Worker(new URL("../fixtures/_worker.ts", import.meta.url), { type: "module" });
    const messages: unknown[] = [];
    const waiting: Array<(message: unknown) => void> = [];
    worker.onmessage = (event) => (waiting.length ? waiting.shift()!(event.data) : messages.push(event.data));
    const next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((resolve) => waiting.push(resolve)));
    worker.postMessage({ start: { port: server.getPort(), runtimeId } });
    return { runtimeId, worker, next };
  });

  try {
    for (const { runtimeId, next } of workers) {
      assert.deepEqual(await next(), { ready: true, greeting: `hello ${runtimeId}, you are ${runtimeId}` });
    }
    assert.deepEqual([...connected].sort(), ["worker-1", "worker-2"]);
    // Each request reaches the worker with that runtimeId, concurrently.
    const answers = await Promise.all([
      server.sendFrameworkMessage("worker-1", whoami, undefined),
      server.sendFrameworkMessage("worker-2", whoami, undefined),
      server.sendFrameworkMessage("worker-2", multiply, { a: 6, b: 7 }),
    ]);
    assert.deepEqual(answers, ["worker-1", "worker-2", 42]);

    for (const { runtimeId, worker, next } of workers) {
      const gone = once((cb) => server.onClientDisconnect((_id, rid) => rid === runtimeId && cb()));
      worker.postMessage({ stop: true });
      assert.deepEqual(await next(), { stopped: true });
      await gone;
    }
    await assert.rejects(server.sendFrameworkMessage("worker-1", whoami, undefined), {
      message: "No client connected with runtimeId: worker-1",
    });
  } finally {
    for (const { worker } of workers) worker.terminate();
    await server.teardown();
  }
});
