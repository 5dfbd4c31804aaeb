/** Server and client in the Bun test runner: requests both ways, notifications, errors, lifecycle. */
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, crossipc, once, startServer, type Server } from "./_setup.ts";

const { IPCServer, IPCClient } = crossipc;
const echo = IPCServer.defineRequest<{ text: string }, { text: string; runtimeId?: string }>("test/echo");
const fail = IPCServer.defineRequest<void, never>("test/fail");
const hang = IPCServer.defineRequest<void, never>("test/hang");
const add = IPCClient.defineRequest<{ a: number; b: number }, number>("client/add");
const note = IPCClient.defineRequest<string, void>("client/note");

describe("IPCServer and IPCClient in bun test", () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer();
    server.onFrameworkMessage(echo, (payload, msg) => ({ text: payload.text, runtimeId: msg.runtimeId }));
    server.onFrameworkMessage(fail, () => {
      throw new Error("nope");
    });
    server.onFrameworkMessage(hang, () => new Promise<never>(() => {}));
  });
  afterAll(() => server.teardown());

  test.concurrent("client → server and server → client by runtimeId", async () => {
    const client = new IPCClient(server.getUrl());
    client.onFrameworkRequest(add, ({ a, b }) => a + b);
    await client.connect("bun-worker-1");
    expect(await client.sendFrameworkRequest(echo, { text: "hi ✓" })).toEqual({ text: "hi ✓", runtimeId: "bun-worker-1" });
    expect(await server.sendFrameworkMessage("bun-worker-1", add, { a: 20, b: 22 })).toBe(42);
    client.disconnect();
  });

  test.concurrent("fire-and-forget both ways", async () => {
    const client = await connect(server, "bun-notes");
    const fromServer = once<[string]>((cb) => client.onFrameworkNotification(note, cb));
    const fromClient = once<[unknown, { runtimeId?: string }]>((cb) => server.onFrameworkNotification("test/note", cb));
    client.sendFrameworkNotification("test/note", { hello: "server" });
    const [payload, msg] = await fromClient;
    expect(payload).toEqual({ hello: "server" });
    expect(msg.runtimeId).toBe("bun-notes");
    server.sendFrameworkNotification("bun-notes", note, "hello client");
    expect((await fromServer)[0]).toBe("hello client");
    client.disconnect();
  });

  test.concurrent("errors: handler throws, no handler, unknown runtimeId, timeout", async () => {
    const client = await connect(server);
    await expect(client.sendFrameworkRequest(fail, undefined)).rejects.toThrow("nope");
    await expect(client.sendFrameworkRequest(IPCServer.defineRequest<void, void>("missing"), undefined)).rejects.toThrow("No handler for: missing");
    await expect(server.sendFrameworkMessage("nobody", add, { a: 1, b: 1 })).rejects.toThrow("No client connected with runtimeId: nobody");
    await expect(client.sendFrameworkRequest(hang, undefined, 200)).rejects.toThrow("Request 'test/hang' timed out after 200ms");
    client.disconnect();
  });

  test.concurrent("connect and disconnect events; disconnect rejects pending at once", async () => {
    const connected = once<[string, string?]>((cb) => server.onClientConnect((id, rid) => rid === "bun-events" && cb(id, rid)));
    const disconnected = once<[string, string?]>((cb) => server.onClientDisconnect((id, rid) => rid === "bun-events" && cb(id, rid)));
    const client = await connect(server, "bun-events");
    const [clientId] = await connected;
    const pending = client.sendFrameworkRequest(hang, undefined, 60_000);
    client.disconnect();
    await expect(pending).rejects.toThrow(/closed/);
    expect(await disconnected).toEqual([clientId, "bun-events"]);
  });

  test.concurrent("teardown closes clients (onClose) and frees the port", async () => {
    const own = await startServer();
    own.onFrameworkMessage(hang, () => new Promise<never>(() => {}));
    const client = await connect(own);
    const closed = once((cb) => client.onClose(cb));
    const pending = client.sendFrameworkRequest(hang, undefined, 60_000);
    await own.teardown();
    await closed;
    await expect(pending).rejects.toThrow();
    const again = new IPCServer(own.getPort());
    expect(await again.start()).toBe(true);
    await again.teardown();
  });

  test.concurrent("start() is false on a taken port, never a second listener", async () => {
    const second = new IPCServer(server.getPort());
    expect(await second.start()).toBe(false);
    const client = await connect(server);
    expect(await client.sendFrameworkRequest(echo, { text: "still the first" })).toEqual({ text: "still the first" });
    client.disconnect();
  });
});

test("a hub listening on every interface answers 508 for a target named by the machine's hostname on its port (it looped)", async () => {
  const name = hostname();
  const server = await startServer({ hostname: "0.0.0.0", accessToken: "t0ken", allowedHosts: [name] });
  try {
    server.setRouteProxyResolver(() => `http://${name}:${server.getPort()}/`);
    const response = await fetch(`${server.getUrl()}/orders/1`);
    const body = await response.text();
    expect(response.status).toBe(508);
    expect(body).toContain("Proxy loop");
  } finally {
    await server.teardown();
  }
});
