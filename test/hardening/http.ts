/**
 * Hostile HTTP/1.1 against hubs under Node, Bun and Deno, over raw TCP where the request must be
 * malformed (issue 21, and issue 16's keep-alive race). Each case names the runtime where it broke.
 */
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { rawExchange, recordingBackend, startHub, statuses, Tally, type Hub } from "./_attack.ts";

const backend = await recordingBackend();
const retrying = await closesReusedConnections();
const tally = new Tally("http hardening");

/** A chunked body holding a whole second request, framed correctly for the hub. */
const HIDDEN = "GET /admin/secret HTTP/1.1\r\nHost: backend\r\n\r\n";
const chunked = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`;

const cases: Array<[string, (hub: Hub) => Promise<void>]> = [
  [
    "a GET or DELETE with a chunked body reaches the backend framed, never as a second request (broke on Node)",
    async (hub) => {
      for (const method of ["GET", "DELETE"]) {
        await rawExchange(hub.port, `${method} /svc/smuggle HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(HIDDEN)}`);
        assert.deepEqual(backend.seen.filter((r) => r.url.includes("admin")), [], `${method}: the body ran as a request`);
      }
    },
  ],
  [
    "`Connection: content-length` does not strip the length of a DELETE body",
    async (hub) => {
      const raw = await rawExchange(hub.port, `DELETE /svc/nominated HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: content-length\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`);
      assert.deepEqual(backend.seen.filter((r) => r.url.includes("admin")), [], "the body ran as a request");
      assert.equal(statuses(raw)[0], 200, raw);
    },
  ],
  [
    "a dot-segment path stays inside the service's base path (broke on Deno)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "GET /admin/../../svc/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.match(raw, /ok \/base\/svc\/x/);
      assert.deepEqual(backend.seen.map((r) => r.url), ["/base/svc/x"]);
    },
  ],
  [
    "two Host headers answer 400 (broke on Node and Bun)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "GET /svc/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n");
      assert.equal(statuses(raw)[0], 400, raw);
      assert.equal(backend.seen.length, 0);
    },
  ],
  [
    "a Host that is not host[:port] answers 400, to an upgrade too; one with a port answers as usual (Bun and Deno answered 500, Bun with a stack trace on stderr; Node took it; a bracketed name that is not an IPv6 address, `[:::]`, answered 500 on all three)",
    async (hub) => {
      for (const host of ["localhost:80:80", "localhost:99999999", "[::1]evil.example", "[::1]:abc", "localhost:1@evil.example", "127.0.0.1:80 x", "[::1", "[:::]", "[1:2:3:4:5:6:7:8:9]", "[::1.2.3]:80"]) {
        const raw = await rawExchange(hub.port, `GET /svc/badhost HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        assert.equal(statuses(raw)[0], 400, `${host}: ${raw}`);
      }
      assert.equal(backend.seen.length, 0);
      // An upgrade too (Bun and Deno: crossws parsed the URL before the hub's hook saw the request).
      for (const path of ["/__ggFrameworkConnection", "/svc/ws"]) {
        const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        const raw = await rawExchange(hub.port, `GET ${path} HTTP/1.1\r\nHost: localhost:80:80\r\n${upgrade}\r\n`);
        assert.equal(statuses(raw)[0], 400, `upgrade of ${path}: ${raw}`);
      }
      // IP literals Bun's URL parser writes another way: Bun's hub took them for absolute-form targets (400).
      for (const host of ["localhost:80", "[::1]:80", "127.0.0.1", "LOCALHOST", "[::ffff:127.0.0.1]", "[::FFFF:127.0.0.1]:80", "[0:0:0:0:0:0:0:1]", "127.000.0.1"]) {
        const raw = await rawExchange(hub.port, `GET /svc/goodhost HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        assert.equal(statuses(raw)[0], 200, `${host}: ${raw}`);
      }
    },
  ],
  [
    "a request without Host answers 400 (broke on Deno)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "GET /svc/nohost HTTP/1.1\r\n\r\n");
      assert.equal(statuses(raw)[0], 400, raw);
      assert.equal(backend.seen.length, 0);
    },
  ],
  [
    "an absolute-form target is refused (broke on Node and Deno; Bun took it as a path; more in pipeline.ts)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "GET http://evil.example/svc/abs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.equal(statuses(raw)[0], 400, raw);
      assert.equal(backend.seen.length, 0);
    },
  ],
  [
    "a request target over 8 KiB answers 414 (accepted up to the header limit everywhere)",
    async (hub) => {
      const raw = await rawExchange(hub.port, `GET /svc/${"a".repeat(10_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      assert.equal(statuses(raw)[0], 414, raw.slice(0, 200));
      assert.equal(backend.seen.length, 0);
    },
  ],
  [
    "a POST with `Upgrade: websocket` is not upgraded: its body reaches the backend, or it is refused (broke on Bun)",
    async (hub) => {
      const raw = await rawExchange(
        hub.port,
        "POST /svc/up HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 5\r\n\r\nhello",
      );
      const status = statuses(raw)[0];
      if (status === 400) assert.equal(backend.seen.length, 0);
      else {
        assert.equal(status, 200, raw);
        assert.deepEqual(backend.seen.map((r) => [r.method, r.body, r.headers.upgrade]), [["POST", "hello", undefined]]);
      }
    },
  ],
  [
    "`Upgrade: h2c` and `HTTP2-Settings` never reach the backend (broke on Node; Bun and Deno forwarded HTTP2-Settings)",
    async (hub) => {
      const settings = "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n";
      for (const connection of ["Connection: Upgrade, HTTP2-Settings\r\n", ""]) {
        const raw = await rawExchange(hub.port, `GET /svc/h2c HTTP/1.1\r\nHost: 127.0.0.1\r\n${connection}Upgrade: h2c\r\n${settings}\r\n`);
        assert.equal(statuses(raw)[0], 200, raw);
      }
      assert.equal(backend.seen.length, 2);
      for (const { headers } of backend.seen) {
        assert.equal(headers.upgrade, undefined);
        assert.equal(headers["http2-settings"], undefined);
      }
    },
  ],
  [
    "a request that meets a pooled connection the backend is closing is sent again, and the journal says so (502 on Node)",
    async (hub) => {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${hub.url}/svc/retry/${i}`);
        const text = await response.text();
        assert.equal(response.status, 200, `request ${i}: ${text}`);
      }
      assert.ok(retrying.refused() >= 1, "the backend never closed a reused connection: nothing was tested");
      const journal = (await (await fetch(`${hub.url}/api/journal`)).json()) as Array<{ retried?: number }>;
      // Only the Node hub's own upstream sees the failure; Bun's and Deno's fetch resend by themselves.
      if (hub.child.runtime === "node") assert.ok(journal.some((entry) => entry.retried === 1), JSON.stringify(journal));
    },
  ],
  [
    "a proxied TRACE answers 405 (Allow: the common methods) on every runtime, and never reaches the backend, which would echo the request's headers (Deno answered 502, Bun 200 without the body, Node forwarded it)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "TRACE /svc/trace HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=secret\r\n\r\n");
      assert.deepEqual(statuses(raw), [405], raw);
      assert.match(raw, /\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n/i, raw);
      assert.match(raw, /TRACE is not proxied/, raw);
      assert.doesNotMatch(raw, /session=secret/, raw);
      assert.deepEqual(backend.seen, []);
    },
  ],
  [
    "an asterisk-form target (`OPTIONS *`, `GET *`) answers 400 on every runtime (Node and Deno made it the path `/*`: a service registered at `/` got `OPTIONS /base/*`, Node's also `GET /base/*`; Bun refused it)",
    async (hub) => {
      for (const method of ["OPTIONS", "GET"]) {
        const raw = await rawExchange(hub.port, `${method} * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        assert.deepEqual(statuses(raw), [400], `${method} *: ${raw}`);
      }
      assert.deepEqual(backend.seen, []);
    },
  ],
  [
    "a CONNECT answers 400 on every runtime, even with a route that answers anything, and nothing behind it on its connection is read as a request (Deno routed it as `/`, and after a mock's 200 its front passed the rest unread: a bare LF split a header; Node closed without an answer; Bun refused it and read on, answering the next request too)",
    async (hub) => {
      await using mocks = await connectMocks(hub.port);
      await mocks.intercept("*", "/**", () => ({ mocked: true }));
      const authority = `127.0.0.1:${hub.port}`;
      const raw = await rawExchange(hub.port, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\nGET /svc/tunnelled HTTP/1.1\r\nHost: 127.0.0.1\r\nX-C: a\nX-Injected: 1\r\n\r\n`);
      assert.deepEqual(statuses(raw), [400], raw);
      assert.match(raw, /not a forward proxy/, raw);
      assert.deepEqual(backend.seen, []);
    },
  ],
];

for (const runtime of RUNTIMES) {
  const main = await startHub(runtime, `${backend.url}/base`);
  const retryHub = await startHub(runtime, retrying.url);
  try {
    for (const [name, run] of cases) {
      backend.seen.length = 0;
      await tally.run(runtime, name, () => run(name.startsWith("a request that meets") ? retryHub : main));
    }
  } finally {
    await Promise.all([main.stop(), retryHub.stop()]);
  }
}
await backend.close();
retrying.server.close();
tally.end("every hub refused or framed every attack");

/**
 * A backend whose keep-alive always loses the race: it answers the first request on a
 * connection with `keep-alive` and no timeout hint, and closes the connection without a byte
 * when a second request arrives on it, as a backend whose keepAliveTimeout just expired does.
 */
async function closesReusedConnections(): Promise<{ url: string; server: net.Server; refused(): number }> {
  let refused = 0;
  const server = net.createServer((socket) => {
    let served = 0;
    let buffer = "";
    socket.setEncoding("latin1");
    socket.on("error", () => {});
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      if (!buffer.includes("\r\n\r\n")) return;
      buffer = "";
      if (served++ > 0) {
        refused++;
        socket.destroy();
        return;
      }
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, refused: () => refused };
}
