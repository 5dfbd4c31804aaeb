/** A Bun Worker as a framework client of a server in the test's own thread. */
import { expect, test } from "bun:test";
import { crossipc, once, startServer } from "./_setup.ts";

const { IPCClient, IPCServer } = crossipc;
const hello = IPCServer.defineRequest<{ from: string }, string>("main/hello");
const whoami = IPCClient.defineRequest<void, string>("worker/whoami");

test("a Worker connects with IPCClient, sends a request and answers one sent to its runtimeId", async () => {
  const server = await startServer();
  server.onFrameworkMessage(hello, (payload, msg) => `hello ${payload.from} (${msg.runtimeId})`);
  const worker = new Worker(new URL("../fixtures/_worker.ts", import.meta.url).href);
  const next = () => once<[MessageEvent]>((cb) => worker.addEventListener("message", cb, { once: true })).then(([event]) => event.data);
  try {
    const ready = next();
    worker.postMessage({ start: { port: server.getPort(), runtimeId: "bun-worker" } });
    expect(await ready).toEqual({ ready: true, greeting: "hello bun-worker (bun-worker)" });
    expect(await server.sendFrameworkMessage("bun-worker", whoami, undefined)).toBe("bun-worker");
    const gone = once((cb) => server.onClientDisconnect((_id, rid) => rid === "bun-worker" && cb()));
    const stopped = next();
    worker.postMessage({ stop: true });
    expect(await stopped).toEqual({ stopped: true });
    await gone;
  } finally {
    worker.terminate();
    await server.teardown();
  }
});
