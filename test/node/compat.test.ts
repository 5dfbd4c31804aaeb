/**
 * Code written for the original `@grest-ts/ipc`, as grest-ts's own discovery server and clients
 * use it (issue 10). The same scenarios run in Bun and Deno processes from test/run-compat.sh.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import * as crossipc from "../../adapters/node.ts";
import { IPCClient, IPCServer, IPCSocket } from "../../adapters/node.ts";
import { connectCodes, environment, retryUntilHubStarts, startTeardownCycles } from "../fixtures/compat/scenarios.ts";
import { rejection, startServer } from "./_helpers.ts";

const hang = IPCServer.defineRequest<void, never>("test/hang");
const echo = IPCServer.defineRequest<unknown, unknown>("test/echo");
const ask = IPCClient.defineRequest<void, never>("worker/hang");

// --- 1. connect errors carry the system code --------------------------------------------------

test("connect() failures carry ECONNREFUSED, ETIMEDOUT and ECONNRESET (error.cause.code), and ERR_IPC_CONNECT", async () => {
  const { refused, timedOut, reset, messages } = await connectCodes(crossipc);
  assert.deepEqual({ refused, timedOut, reset }, { refused: "ECONNREFUSED", timedOut: "ETIMEDOUT", reset: "ECONNRESET" });
  assert.match(messages[0]!, /^Cannot connect to IPC server at ws:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  assert.match(messages[1]!, /^Connection timeout to ws:\/\/127\.0\.0\.1:\d+ after 300ms$/);
  const error = await rejection(new IPCClient(1).connect());
  assert.equal(error.code, "ERR_IPC_CONNECT");
  assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
});

test("grest-ts's retry loop: a service started 700 ms before its hub registers", async () => {
  const { registered, attempts, codes } = await retryUntilHubStarts(crossipc);
  assert.deepEqual(registered, ["users"]);
  assert.ok(attempts > 1);
  assert.ok(codes.every((code) => code === "ECONNREFUSED"), `codes: ${codes}`);
});

test("a refused token is still ERR_IPC_UNAUTHORIZED with the server's reason (the probe does not hide it)", async (t) => {
  const server = await startServer(t, { accessToken: "right" });
  const error = await rejection(new IPCClient(server.getPort(), { accessToken: "wrong" }).connect());
  assert.equal(error.code, "ERR_IPC_UNAUTHORIZED");
  assert.match(error.message, /missing or wrong access token/);
});

// --- 2. intercept bodies ----------------------------------------------------------------------

test("interceptHttp: JSON is parsed whatever the content type; not JSON stays text; empty is undefined", async (t) => {
  const server = await startServer(t);
  const seen: unknown[] = [];
  // A spy that re-serialises what it got, as grest-ts's HTTP testkit does.
  server.interceptHttp("POST", "/spy", async (body) => {
    seen.push(body);
    return body;
  });
  const post = (body: string | undefined, type?: string) =>
    fetch(`${server.getUrl()}/spy`, { method: "POST", body, headers: type ? { "content-type": type } : {} });

  const res = await post(JSON.stringify({ name: "Ada", tags: ["a"] }), "text/plain");
  assert.deepEqual(await res.json(), { name: "Ada", tags: ["a"] }, "not double-encoded");
  await (await post("[1,2]", "application/octet-stream")).body?.cancel();
  await (await post('"a string"')).body?.cancel();
  await (await post("plain words", "application/json")).body?.cancel();
  await (await post("")).body?.cancel();
  assert.deepEqual(seen, [{ name: "Ada", tags: ["a"] }, [1, 2], "a string", "plain words", undefined]);
});

// --- 3. wildcard params -----------------------------------------------------------------------

test("interceptHttp: a trailing * gives its match as '*' and no other key", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/files/*", async (_body, params) => params);
  server.interceptHttp("GET", "/users/:id/*", async (_body, params) => params);
  assert.deepEqual(await (await fetch(`${server.getUrl()}/files/a/b.txt`)).json(), { "*": "a/b.txt" });
  assert.deepEqual(await (await fetch(`${server.getUrl()}/users/7/x/y`)).json(), { id: "7", "*": "x/y" });
});

// --- 4. error texts ---------------------------------------------------------------------------

test("error texts begin with the original's: Socket teardown, Connection closed, Socket not connected, Not connected to IPC server", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(hang, () => new Promise<never>(() => {}));

  // This side disconnects with a request pending.
  const leaving = new IPCClient(server.getPort());
  await leaving.connect();
  const pending = leaving.sendFrameworkRequest(hang, undefined, 60_000);
  leaving.disconnect();
  const teardown = await rejection(pending);
  assert.match(teardown.message, /^Socket teardown\b/);
  assert.equal(teardown.code, "ERR_IPC_CLOSED");

  // The server goes away with a request pending, on both sides.
  const other = await startServer(t);
  other.onFrameworkMessage(hang, () => new Promise<never>(() => {}));
  const staying = new IPCClient(other.getPort());
  staying.onFrameworkRequest(ask, () => new Promise<never>(() => {}));
  await staying.connect("w");
  const clientSide = rejection(staying.sendFrameworkRequest(hang, undefined, 60_000));
  const serverSide = rejection(other.sendFrameworkMessage("w", ask, undefined, 60_000));
  await other.teardown();
  assert.match((await clientSide).message, /^Connection closed\b/);
  assert.match((await serverSide).message, /^Socket teardown\b/, "the server's own teardown");

  const socket = new IPCSocket({ send() {}, close() {} });
  socket.close();
  assert.throws(() => socket.send("x", 1), { code: "ERR_IPC_NOT_CONNECTED", message: /^Socket not connected\b/ });
  assert.match((await rejection(socket.request("x"))).message, /^Socket not connected\b/);

  const never = new IPCClient(server.getPort());
  assert.match((await rejection(never.sendFrameworkRequest(echo, 1))).message, /^Not connected to IPC server\b/);
  assert.throws(() => never.sendFrameworkNotification("note", 1), { message: /^Not connected to IPC server\b/ });
});

// --- 5. bad names and payloads ----------------------------------------------------------------

test("names with ':' or empty are refused at defineRequest, every send and every handler registration", async (t) => {
  const server = await startServer(t);
  const client = new IPCClient(server.getPort());
  await client.connect("named");
  t.after(() => client.disconnect());
  const invalid = { code: "ERR_IPC_INVALID_NAME", message: /"a:b" is invalid: .*without ':'/ };
  for (const name of ["a:b", ""]) {
    const expected = name ? invalid : { code: "ERR_IPC_INVALID_NAME" };
    assert.throws(() => IPCServer.defineRequest(name), expected);
    assert.throws(() => IPCClient.defineRequest(name), expected);
    const branded = name as ReturnType<typeof IPCServer.defineRequest<unknown, unknown>>;
    const toClient = name as ReturnType<typeof IPCClient.defineRequest<unknown, unknown>>;
    assert.throws(() => server.onFrameworkMessage(branded, () => 1), expected);
    assert.throws(() => server.onFrameworkNotification(name, () => {}), expected);
    assert.throws(() => client.onFrameworkRequest(toClient, () => 1), expected);
    assert.throws(() => client.onFrameworkNotification(name, () => {}), expected);
    assert.equal((await rejection(client.sendFrameworkRequest(branded, 1))).code, "ERR_IPC_INVALID_NAME");
    assert.equal((await rejection(new IPCClient(1).sendFrameworkRequest(branded, 1))).code, "ERR_IPC_INVALID_NAME");
    assert.throws(() => client.sendFrameworkNotification(name, 1), expected);
    assert.equal((await rejection(server.sendFrameworkMessage("named", toClient, 1))).code, "ERR_IPC_INVALID_NAME");
    assert.throws(() => server.sendFrameworkNotification("named", name, 1), expected);
    assert.throws(() => server.broadcastFrameworkNotification(name, 1), expected);
  }
  // Nothing with a bad name reached the wire: the connection still works.
  server.onFrameworkMessage(echo, (payload) => payload);
  assert.equal(await client.sendFrameworkRequest(echo, "still fine"), "still fine");
});

test("a payload that cannot be serialised rejects with ERR_IPC_NOT_SERIALIZABLE, both ways", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(echo, (payload) => payload);
  const client = new IPCClient(server.getPort());
  client.onFrameworkRequest(IPCClient.defineRequest<unknown, unknown>("worker/echo"), (payload) => payload);
  await client.connect("payloads");
  t.after(() => client.disconnect());
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  for (const payload of [10n, cycle]) {
    const error = await rejection(client.sendFrameworkRequest(echo, payload));
    assert.equal(error.code, "ERR_IPC_NOT_SERIALIZABLE");
    assert.match(error.message, /^Payload of 'test\/echo' is not JSON-serialisable: /);
    const fromServer = await rejection(server.sendFrameworkMessage("payloads", IPCClient.defineRequest<unknown, unknown>("worker/echo"), payload));
    assert.equal(fromServer.code, "ERR_IPC_NOT_SERIALIZABLE");
    assert.throws(() => client.sendFrameworkNotification("note", payload), { code: "ERR_IPC_NOT_SERIALIZABLE" });
  }
  assert.equal(await client.sendFrameworkRequest(echo, 1), 1);
});

// --- 6. environment opt-ins -------------------------------------------------------------------

test("CROSSIPC_HOSTNAME and CROSSIPC_ACCESS_TOKEN apply when the options do not say; HOST and PORT never", async (t) => {
  withEnv(t, { CROSSIPC_HOSTNAME: "127.0.0.2", CROSSIPC_ACCESS_TOKEN: "s3cret", HOST: "127.0.0.3", PORT: "1" });
  assert.deepEqual(await environment(crossipc), {
    url: "http://127.0.0.2:PORT",
    tokenRequired: true,
    clientWithoutOptions: "connected",
    clientWithWrongToken: "ERR_IPC_UNAUTHORIZED",
    warnings: ["[crossipc] Framework connection refused: Unauthorized: missing or wrong access token"],
  });
  // Options win over the environment.
  const server = await startServer(t, { hostname: "127.0.0.1", accessToken: "from-options" });
  assert.match(server.getUrl(), /^http:\/\/127\.0\.0\.1:\d+$/);
  const error = await rejection(new IPCClient(server.getPort()).connect());
  assert.equal(error.code, "ERR_IPC_UNAUTHORIZED", "the client's token came from the environment and is wrong here");
  const client = new IPCClient(server.getPort(), { accessToken: "from-options" });
  await client.connect();
  client.disconnect();
});

test("binding beyond loopback without a token is refused with a clear error; with a token it binds", async (t) => {
  withEnv(t, { CROSSIPC_HOSTNAME: "0.0.0.0" });
  assert.throws(() => new IPCServer(0), (error: Error & { code?: string }) => {
    assert.equal(error.code, "ERR_IPC_INSECURE");
    assert.match(error.message, /binding 0\.0\.0\.0 \(beyond loopback\) without an accessToken.*CROSSIPC_ACCESS_TOKEN/);
    return true;
  });
  const guarded = await startServer(t, { accessToken: "t" });
  await guarded.teardown();
  const loopback = await startServer(t, { hostname: "127.0.0.1" });
  await loopback.teardown();
});

// --- 8. teardown releases everything ----------------------------------------------------------

test("1 500 start() + teardown() cycles with a client and a request keep the heap flat after GC", async () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const { growthBytes, perCycleBytes } = await startTeardownCycles(crossipc, {
    cycles: 1500,
    warmup: 200,
    gc,
    heapUsed: () => process.memoryUsage().heapUsed,
  });
  // With crossws's idle sweep left running, 1 500 cycles kept ~8.7 MB.
  assert.ok(growthBytes < 3 * 1024 * 1024, `heap grew by ${(growthBytes / 1024 / 1024).toFixed(2)} MiB (${perCycleBytes} B per cycle)`);
});

/** Sets environment variables for one test, restoring them after. */
function withEnv(t: { after(fn: () => void): void }, vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
