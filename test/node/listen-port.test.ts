/**
 * The port a server reports is the one it listens on, also when its URL leaves the port out:
 * `--port 80` printed port 0 (`new URL("http://127.0.0.1:80/").port` is "").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { listenWith, portOf, type ServeOptions } from "../../adapters/_listen.ts";

/** A server as srvx reports one bound to `url` (binding port 80 needs privileges a test has not). */
function servedAt(url: string) {
  return (_options: ServeOptions) => ({ url, serve() {}, ready: async () => {}, close: async () => {} });
}

test("a server on a scheme's default port reports that port, not 0", async () => {
  const options = { port: 80, hostname: "127.0.0.1", fetch: () => new Response(), websocket: {} };
  for (const [url, port] of [["http://127.0.0.1/", 80], ["http://127.0.0.1:80/", 80], ["https://127.0.0.1/", 443], ["http://127.0.0.1:9000/", 9000], ["http://[::1]:4001/", 4001]] as const) {
    const listener = await listenWith(servedAt(url), options as never);
    assert.ok(listener);
    assert.equal(listener.port, port, url);
    assert.equal(portOf(url), port, url);
  }
});
