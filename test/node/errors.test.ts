import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCClient, IPCError, IPCServer } from "../../adapters/node.ts";
import { rawSocket, startServer, waitFor } from "./_helpers.ts";

test("a throwing logger, handler or listener never becomes an unhandled rejection", async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));
  const explode = () => {
    throw new Error("logger exploded");
  };
  const server = await startServer(t, { logger: { debug: explode, info: explode, warn: explode, error: explode } });
  server.onFrameworkMessage(IPCServer.defineRequest<void, void>("boom"), async () => {
    throw new Error("handler exploded");
  });
  server.onFrameworkNotification("note", async () => {
    throw new Error("notification handler exploded");
  });
  server.onClientDisconnect(async () => {
    throw new Error("async listener exploded");
  });
  server.interceptHttp("GET", "/fail", async () => {
    throw new Error("route exploded");
  });
  const client = new IPCClient(server.getPort(), { logger: { warn: explode, debug: explode, error: explode } });
  client.onClose(explode);
  await client.connect();
  await assert.rejects(client.sendFrameworkRequest(IPCServer.defineRequest<void, void>("boom"), undefined), /handler exploded/);
  client.sendFrameworkNotification("note", 1);
  assert.equal((await fetch(`${server.getUrl()}/fail`)).status, 500);
  const raw = await rawSocket(server.getPort());
  raw.send("garbage that gets logged");
  raw.send(Buffer.from([1, 2, 3]));
  raw.close();
  client.disconnect();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(unhandled, []);
});

test("errors carry a stable code and name what was involved", async (t) => {
  const server = await startServer(t);
  const error = await server.sendFrameworkMessage("nobody", IPCClient.defineRequest<void, void>("x"), undefined).catch((e) => e);
  assert.ok(error instanceof IPCError);
  assert.equal(error.code, "ERR_IPC_NO_CLIENT");
  assert.match(error.message, /nobody/);
  const client = new IPCClient(server.getPort());
  const notConnected = await client.sendFrameworkRequest(IPCServer.defineRequest<void, void>("svc/call"), undefined).catch((e) => e);
  assert.equal(notConnected.code, "ERR_IPC_NOT_CONNECTED");
  assert.match(notConnected.message, new RegExp(`${server.getPort()}.*svc/call`));
  await client.connect();
  let closed = false;
  client.onClose(() => void (closed = true));
  server.onFrameworkMessage(IPCServer.defineRequest<void, void>("never"), () => new Promise(() => {}));
  const pending = client.sendFrameworkRequest(IPCServer.defineRequest<void, void>("never"), undefined).catch((e) => e);
  await new Promise((r) => setTimeout(r, 20));
  await server.teardown();
  await waitFor(() => closed, "close");
  const closedError = await pending;
  assert.equal(closedError.code, "ERR_IPC_CLOSED");
  assert.match(closedError.message, /'never'/);
});
