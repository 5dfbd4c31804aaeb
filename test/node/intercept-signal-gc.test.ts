/**
 * A Node hub's own `interceptRequest` handler that keeps a listener on `request.signal` and not
 * the request is told when the client leaves, even after a garbage collection. Where the hub
 * hands the handler a copy of the request (`withBody`: a chunked body bounded for the route, or a
 * body a mock rule read before it passed the request on), the copy is a Node `Request`, which
 * follows the original's signal through a weak reference only (session 18 found this in
 * connectMocks' relay): once a collection took the copy, the abort never reached the handler.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connectMocks, passthrough } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

/** `gc()` without starting Node with --expose-gc. */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const CHUNKED = (path: string) => `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`;
const WITH_LENGTH = (path: string) => `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 5\r\n\r\nhello`;

const cases: Array<{ name: string; head: (path: string) => string; rule: boolean }> = [
  { name: "a chunked body (bounded for the route)", head: CHUNKED, rule: false },
  { name: "a body a mock rule read, then passed on", head: WITH_LENGTH, rule: true },
  { name: "a body with its length, as it came", head: WITH_LENGTH, rule: false },
];

for (const { name, head, rule } of cases) {
  test(`Node hub, interceptRequest: the handler's request.signal aborts when the client leaves after a collection: ${name}`, { timeout: 30_000 }, async (t) => {
    const server = await startServer(t, { dashboard: true });
    let called = 0;
    let told = 0;
    server.interceptRequest("POST", "/wait", (request) => {
      called++;
      return new Promise<Response>((resolve) =>
        request.signal.addEventListener("abort", () => {
          told++;
          resolve(new Response("nobody reads this"));
        }),
      );
    });
    if (rule) {
      const mocks = await connectMocks(server.getPort());
      t.after(() => mocks.close());
      await mocks.intercept("POST", "/wait", (body: string) => (body === "hello" ? passthrough() : "unexpected"));
    }
    const socket = net.connect(server.getPort(), "127.0.0.1");
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(head("/wait"));
    await until(() => called === 1, "the handler to be called");
    // What the handler no longer holds goes, as it may at any time while a handler waits.
    collectGarbage();
    collectGarbage();
    socket.destroy();
    await closed;
    await until(() => told === 1, "the handler's request.signal to abort");
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
