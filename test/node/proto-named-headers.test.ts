/**
 * Headers named `__proto__`, `constructor`, `toString` are headers like any other (README: the
 * journal keeps headers in null-prototype records). Three plain `{}` records lost or garbled them:
 * the Node hub's HTTP proxy and the WebSocket relay (a frame fault) did not forward `__proto__`
 * (the Bun and Deno hubs' HTTP proxy does), and a connectMocks intercept handler got
 * `constructor: "function Object() { [native code] }, b"` and no `__proto__`.
 */
import assert from "node:assert/strict";
import net from "node:net";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

const ODD_HEADERS = "__proto__: a\r\nconstructor: b\r\ntoString: c\r\n";

/** The names of the odd headers a request carried, as the backend read them. */
function oddNames(rawHeaders: string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()).filter((name) => ["__proto__", "constructor", "tostring"].includes(name));
}

/** Sends raw bytes and resolves with what came back once the server closes or 2 s pass. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on("data", (bytes) => (answer += bytes.toString("latin1")));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on("error", () => undefined);
  });
}

test("the HTTP proxy and the WebSocket relay forward headers named __proto__ and constructor", async (t) => {
  const seen: Record<string, string[]> = {};
  const backend = await startBackend(t, (request, response) => {
    seen.http = oddNames(request.rawHeaders);
    response.end("ok");
  });
  backend.server.on("upgrade", (request, socket) => {
    seen.upgrade = oddNames(request.rawHeaders);
    socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  // A frame fault: the socket is relayed message by message, its upstream dialled with the forwarded headers.
  server.fault({ path: "/relayed" }, { drop: true });
  await exchange(server.getPort(), `GET /plain HTTP/1.1\r\nHost: 127.0.0.1\r\n${ODD_HEADERS}Connection: close\r\n\r\n`);
  await exchange(
    server.getPort(),
    `GET /relayed HTTP/1.1\r\nHost: 127.0.0.1\r\n${ODD_HEADERS}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  assert.deepEqual(seen, { http: ["__proto__", "constructor", "tostring"], upgrade: ["__proto__", "constructor", "tostring"] });
});

test("a connectMocks intercept handler gets headers named __proto__ and constructor as sent", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  let headers: Record<string, string> | undefined;
  await mocks.intercept("GET", "/mocked", (_body, _params, given) => {
    headers = given;
    return "ok";
  });
  await exchange(server.getPort(), `GET /mocked HTTP/1.1\r\nHost: 127.0.0.1\r\n${ODD_HEADERS}Connection: close\r\n\r\n`);
  assert.deepEqual(
    ["__proto__", "constructor", "tostring"].map((name) => [name, Object.hasOwn(headers!, name) ? headers![name] : "missing"]),
    [["__proto__", "a"], ["constructor", "b"], ["tostring", "c"]],
  );
});
