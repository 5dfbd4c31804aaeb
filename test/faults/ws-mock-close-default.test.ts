/**
 * A WebSocket mock's `socket.close()` with no code: the client sees 1000 on hubs under Node, Bun
 * and Deno alike (Bun's server socket always sends a code; Node's and Deno's sent none: 1005).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { once } from "node:events";
import { WebSocket } from "ws";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit, type Child } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  describe(`a WebSocket mock on a hub under ${runtime}`, () => {
    let hub: Child;
    let port = 0;
    before(async () => {
      hub = start(runtime, "test/fixtures/faults-hub.ts");
      ({ port } = await hub.nextJson<{ port: number }>(60_000, "listening port"));
    });
    after(async () => {
      hub.proc.stdin.end();
      await hub.nextJson(10_000, "teardown confirmation");
      await waitExit(hub, 10_000, "exit after teardown");
    });

    test("close() with no code reaches the client as 1000, and the handler hears the client's answer", async () => {
      await using mocks = await connectMocks(port);
      let heard: (code: number) => void = () => {};
      const handlerHeard = new Promise<number>((resolve) => (heard = resolve));
      await mocks.interceptWebSocket("/ws/plain-close", (socket) => {
        socket.onClose((code) => heard(code));
        socket.onMessage(() => socket.close());
      });
      const client = new WebSocket(`ws://127.0.0.1:${port}/ws/plain-close`);
      await once(client, "open");
      client.send("close please");
      const [code] = (await once(client, "close")) as [number, Buffer];
      assert.equal(code, 1000);
      assert.equal(await handlerHeard, 1000);
    });
  });
}
