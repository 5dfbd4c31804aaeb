import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectMocks, type MockWebSocket } from "../../adapters/node.ts";
import { startServer, waitFor } from "./_helpers.ts";

test("interceptWebSocket: 10,000 mixed text and binary frames keep their order and kind, both ways", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const received: Array<string | Uint8Array> = [];
  let request: Request | undefined;
  await mocks.interceptWebSocket("/live/:room", (socket, req) => {
    request = req;
    socket.onMessage((data) => {
      received.push(data);
      socket.send(data);
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live/lobby?x=1`);
  const echoed: Array<string | Buffer> = [];
  client.on("message", (data, isBinary) => echoed.push(isBinary ? (data as Buffer) : data.toString()));
  await once(client, "open");
  const frames: Array<string | Uint8Array> = [];
  for (let i = 0; i < 10_000; i++) frames.push(i % 3 === 0 ? new Uint8Array([i & 255, (i >> 8) & 255, 0, 255]) : `frame ${i} ✓`);
  for (const frame of frames) client.send(frame);
  await waitFor(() => echoed.length === frames.length, "10,000 echoes", 30_000);
  for (let i = 0; i < frames.length; i++) {
    const sent = frames[i]!;
    if (typeof sent === "string") {
      assert.equal(received[i], sent);
      assert.equal(echoed[i], sent);
    } else {
      assert.ok(received[i] instanceof Uint8Array, `frame ${i} arrives at the handler as bytes`);
      assert.deepEqual([...(received[i] as Uint8Array)], [...sent]);
      assert.ok(Buffer.isBuffer(echoed[i]), `frame ${i} comes back binary`);
      assert.deepEqual([...(echoed[i] as Buffer)], [...sent]);
    }
  }
  assert.equal(new URL(request!.url).pathname, "/live/lobby");
  assert.deepEqual((request as Request & { params: Record<string, string> }).params, { room: "lobby" });
  client.close();
});

test("interceptWebSocket: close codes and reasons both ways", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const closes: Array<[number, string]> = [];
  await mocks.interceptWebSocket("/client-closes", (socket) => socket.onClose((code, reason) => closes.push([code, reason])));
  await mocks.interceptWebSocket("/server-closes", (socket) => {
    socket.send("bye soon");
    socket.close(4002, "done here");
  });
  const first = new WebSocket(`ws://127.0.0.1:${server.getPort()}/client-closes`);
  await once(first, "open");
  first.close(4001, "client leaves");
  await waitFor(() => closes.length === 1, "the handler to hear the close");
  assert.deepEqual(closes, [[4001, "client leaves"]]);

  const second = new WebSocket(`ws://127.0.0.1:${server.getPort()}/server-closes`);
  const got: string[] = [];
  second.on("message", (data) => got.push(data.toString()));
  const [code, reason] = await once(second, "close");
  assert.equal(code, 4002);
  assert.equal(reason.toString(), "done here");
  assert.deepEqual(got, ["bye soon"]);
  assert.equal(server.journal.entries({ kind: "websocket", path: "/server-closes" })[0]!.takenBy, "mock");
});

test("interceptWebSocket on a scope takes only upgrades of that scope (header or the page's cookie); others go on", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  await scope.interceptWebSocket("/feed", (socket) => socket.send("scoped"));
  const first = (headers?: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/feed`, { headers });
      ws.on("message", (data) => {
        resolve(data.toString());
        ws.close();
      });
      ws.on("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`));
      ws.on("error", () => {});
    });
  assert.equal(await first(scope.headers), "scoped");
  assert.equal(await first({ cookie: `crossipc-scope=${scope.id}` }), "scoped");
  assert.equal(await first(), "refused 404");
});

test("when the test's process goes, its mocked sockets are closed with 1011 and the rule is gone", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  const sockets: MockWebSocket[] = [];
  await mocks.interceptWebSocket("/gone", (socket) => void sockets.push(socket));
  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/gone`);
  await once(client, "open");
  await waitFor(() => sockets.length === 1, "the handler");
  mocks.client.disconnect();
  const [code] = await once(client, "close");
  assert.equal(code, 1011);
  assert.equal(sockets[0]!.open, false);
});

test("faults wrap a mocked socket too: drop relays nothing either way, latency delays each frame", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const heard: string[] = [];
  await mocks.interceptWebSocket("/m/:name", (socket) => {
    socket.send("hello");
    socket.onMessage((data) => heard.push(String(data)));
  });
  const drop = await mocks.fault({ path: "/m/dropped" }, { drop: true });
  const dropped = new WebSocket(`ws://127.0.0.1:${server.getPort()}/m/dropped`);
  const got: string[] = [];
  dropped.on("message", (data) => got.push(data.toString()));
  await once(dropped, "open");
  dropped.send("lost");
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([got, heard], [[], []]);
  assert.equal(dropped.readyState, WebSocket.OPEN);
  dropped.close();
  await drop.remove();

  await mocks.fault({ path: "/m/slow" }, { latency: 100 });
  const started = performance.now();
  const slow = new WebSocket(`ws://127.0.0.1:${server.getPort()}/m/slow`);
  const [hello] = await once(slow, "message");
  assert.equal(hello.toString(), "hello");
  assert.ok(performance.now() - started >= 99);
  slow.close();
});
