/**
 * A Deno hub's teardown closes its framework connections with 1001 ("Server shutting down"),
 * as Node's and Bun's do. Behind the TCP front the close frame crosses the copy after the front
 * was told to close: the front used to cut every connection at once, and clients saw 1006.
 */
import assert from "node:assert/strict";
import { Deno, once, startServer } from "./_deno.ts";

Deno.test("teardown: a framework client gets the close frame (1001), through the front and without it", async () => {
  for (const options of [{}, { resettableConnections: false }]) {
    const server = await startServer(options);
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection?runtimeId=t`);
    await once((cb) => ws.addEventListener("open", cb));
    const closed = once<[CloseEvent]>((cb) => ws.addEventListener("close", cb));
    await server.teardown();
    const [event] = await closed;
    assert.equal(event.code, 1001, `${JSON.stringify(options)}: close code`);
  }
});
