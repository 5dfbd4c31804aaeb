/**
 * Texts the original `@grest-ts/ipc` gave in two places its own source decides, checked as code
 * written for it sees them:
 *   - what a handler threw reaches the other side as `error.message || String(error)`, so a
 *     thrown object with a `message` (an Error from another realm, `{ message }`) is answered
 *     with that message, and a value `String()` cannot convert does not break the answer;
 *   - a request on a client whose connection was lost rejects "Socket not connected" (its
 *     IPCSocket was still there, closed), while one before `connect()` or after `disconnect()`
 *     rejects "Not connected to IPC server".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { rejection, startServer, waitFor } from "./_helpers.ts";

const thrown = IPCServer.defineRequest<string, never>("test/throw");
const echo = IPCServer.defineRequest<unknown, unknown>("test/echo");
const clientThrows = IPCClient.defineRequest<string, never>("worker/throw");

/** Values a handler may throw, by name, and the message the other side gets for each. */
const THROWN: Record<string, [() => unknown, string]> = {
  object: [() => ({ message: "object with a message", code: "E_SOME" }), "object with a message"],
  otherRealm: [() => vm.runInNewContext("new TypeError('from another realm')"), "from another realm"],
  nullPrototype: [() => Object.create(null), "[object Object]"],
  string: [() => "a plain string", "a plain string"],
  emptyError: [() => new RangeError(""), "RangeError"],
};

test("a thrown object's message is the answer, both ways, as the original's `error.message || String(error)`", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(thrown, (kind) => {
    throw THROWN[kind]![0]();
  });
  server.onFrameworkMessage(echo, (payload) => payload);
  const client = new IPCClient(server.getPort());
  client.onFrameworkRequest(clientThrows, (kind) => {
    throw THROWN[kind]![0]();
  });
  await client.connect("thrower");
  t.after(() => client.disconnect());
  for (const [kind, [, message]] of Object.entries(THROWN)) {
    const toServer = await rejection(client.sendFrameworkRequest(thrown, kind));
    assert.deepEqual([kind, toServer.code, toServer.message], [kind, "ERR_IPC_REMOTE", message]);
    const toClient = await rejection(server.sendFrameworkMessage("thrower", clientThrows, kind));
    assert.deepEqual([kind, toClient.code, toClient.message], [kind, "ERR_IPC_REMOTE", message]);
  }
  // The connection carried all of it.
  assert.equal(await client.sendFrameworkRequest(echo, "still here"), "still here");
});

test("an intercept route that throws an object answers 500 with its message", async (t) => {
  const server = await startServer(t);
  for (const [kind, [make]] of Object.entries(THROWN)) {
    server.interceptHttp("GET", `/throw/${kind}`, () => {
      throw make();
    });
  }
  for (const [kind, [, message]] of Object.entries(THROWN)) {
    const response = await fetch(`${server.getUrl()}/throw/${kind}`);
    assert.deepEqual([kind, response.status, await response.json()], [kind, 500, { error: message }]);
  }
});

test("a request after the server went away rejects 'Socket not connected'; before connect and after disconnect 'Not connected to IPC server'", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (payload) => payload);
  const client = new IPCClient(server.getPort());
  const before = await rejection(client.sendFrameworkRequest(echo, 1));
  assert.deepEqual([before.code, /^Not connected to IPC server\b/.test(before.message)], ["ERR_IPC_NOT_CONNECTED", true]);

  await client.connect("w");
  assert.equal(await client.sendFrameworkRequest(echo, 1), 1);
  await server.teardown();
  await waitFor(() => !client.isConnected(), "the client to see the server go");
  const lost = await rejection(client.sendFrameworkRequest(echo, 1));
  assert.equal(lost.code, "ERR_IPC_NOT_CONNECTED");
  assert.match(lost.message, /^Socket not connected\b/);
  assert.match(lost.message, /ws:\/\/127\.0\.0\.1:\d+/, "it names the server");
  assert.throws(() => client.sendFrameworkNotification("note", 1), { code: "ERR_IPC_NOT_CONNECTED", message: /^Socket not connected\b/ });
  // A reconnect that fails leaves it lost, as the original's closed socket stayed in place.
  await rejection(client.connect("w"));
  assert.match((await rejection(client.sendFrameworkRequest(echo, 1))).message, /^Socket not connected\b/);

  client.disconnect();
  const after = await rejection(client.sendFrameworkRequest(echo, 1));
  assert.deepEqual([after.code, /^Not connected to IPC server\b/.test(after.message)], ["ERR_IPC_NOT_CONNECTED", true]);
});
