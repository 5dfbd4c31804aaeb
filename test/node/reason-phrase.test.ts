/**
 * A hub's status lines carry the standard reason phrase on every runtime: Node's said
 * `HTTP/1.1 404 ` (srvx writes a Response's `statusText`, `""` unless given, and Node takes it as
 * an explicit empty phrase; crossws writes an upgrade refusal's status line by hand the same way)
 * where Bun's and Deno's said `HTTP/1.1 404 Not Found`. A phrase a Response gives is kept.
 * The conformance hub (test/fixtures/server.ts) in each runtime, raw requests.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "node:test";
import { RUNTIMES, start } from "../matrix/_spawn.ts";

async function statusLine(port: number, head: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(`${head}\r\n\r\n`);
  let text = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => {
    text += chunk;
    if (text.includes("\r\n")) socket.destroy();
  });
  await once(socket, "close");
  return text.slice(0, text.indexOf("\r\n"));
}

const UPGRADE = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

for (const runtime of RUNTIMES) {
  test(`${runtime}: status lines carry the standard reason phrase`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/server.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the port");
    const host = `Host: 127.0.0.1:${port}`;
    const cases: Array<[string, string]> = [
      [`GET /nothing-here HTTP/1.1\r\n${host}\r\nConnection: close`, "404 Not Found"],
      ["GET /nothing-here HTTP/1.1\r\nHost: evil.example\r\nConnection: close", "403 Forbidden"],
      [`GET /api/throw HTTP/1.1\r\n${host}\r\nConnection: close`, "500 Internal Server Error"],
      [`GET /api/response HTTP/1.1\r\n${host}\r\nConnection: close`, /^418 I'm a [Tt]eapot$/.source],
      [`GET /no-socket-here HTTP/1.1\r\n${host}\r\n${UPGRADE}`, "404 Not Found"],
      [`GET /__ggFrameworkConnection HTTP/1.1\r\n${host}\r\nOrigin: http://evil.example\r\n${UPGRADE}`, "403 Forbidden"],
    ];
    for (const [head, phrase] of cases) {
      const line = await statusLine(port, head);
      assert.match(line.slice("HTTP/1.1 ".length), new RegExp(phrase.startsWith("^") ? phrase : `^${phrase}$`), `${runtime} ${head.split("\r\n")[0]}: ${JSON.stringify(line)}`);
    }
  });
}
