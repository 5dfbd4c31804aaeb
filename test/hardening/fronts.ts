/**
 * Differential attacks on the Bun and Deno hubs' own HTTP/1.1 front (`_http1-request-stream.ts`),
 * with Node's parser (no front) as the reference: the same bytes go to a hub under each runtime
 * over raw TCP, and each must be answered as Node answers them, never left hanging. Each case
 * names the runtime where it broke.
 */
import assert from "node:assert/strict";
import { RUNTIMES } from "../matrix/_spawn.ts";
import net from "node:net";
import { rawExchange, recordingBackend, runCases, sleep, startHub, statuses, Tally, type AttackCase } from "./_attack.ts";

const backend = await recordingBackend();
const tally = new Tally("front hardening");

const chunkedPost = (path: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
/** Chunked bodies whose framing breaks after the head went on: a size that is not hex, too large, or data not followed by CRLF. */
const BROKEN_BODIES = ["5\r\nhello\r\n-5\r\nxxxxx\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n", "fffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\nX: a\nY: b\r\n\r\n"];
/** Trailers that are not field lines: folded, with a NUL, and (the last CRLF missing) the next request read as trailers. Deno closed with no answer. */
const BROKEN_TRAILERS = ["5\r\nhello\r\n0\r\n X: fold\r\n\r\n", "5\r\nhello\r\n0\r\nX:\x00y\r\n\r\n", "5\r\nhello\r\n0\r\nGET /svc/next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"];

const cases: AttackCase[] = [
  [
    "a chunked body whose framing or trailers break part-way answers 400 and closes, proxied or read by a route (Deno hung or closed with no answer, Bun answered nothing)",
    async (hub) => {
      for (const path of ["/svc/chunks", "/api/slow"]) {
        for (const body of [...BROKEN_BODIES, ...BROKEN_TRAILERS]) {
          const raw = await rawExchange(hub.port, chunkedPost(path, body), { quietMs: 3000, maxMs: 3000 });
          assert.deepEqual(statuses(raw), [400], `${path} ${JSON.stringify(body)}: ${JSON.stringify(raw.slice(0, 300))}`);
        }
      }
      assert.deepEqual(backend.seen, [], "a request with a broken body reached the backend whole");
    },
  ],
  [
    "a broken chunked body behind a pipelined request in progress: that request is answered first, then the connection closes (Node lost that answer too: its own server answered 400 alone)",
    async (hub) => {
      const first = "POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\none";
      const raw = await rawExchange(hub.port, first + chunkedPost("/svc/chunks", BROKEN_BODIES[0]!), { quietMs: 3000, maxMs: 3000 });
      assert.equal(statuses(raw)[0], 200, raw);
      assert.match(raw, /\r\n\r\n(3\r\n)?one/, raw);
      assert.equal(statuses(raw).length, 2, raw);
      assert.deepEqual(backend.seen, []);
    },
  ],
  [
    "the HTTP/2 prior-knowledge preface on the plain port answers 400 and closes (Deno's server spoke HTTP/2 behind the front)",
    async (hub) => {
      // The preface, an empty SETTINGS frame, and a PING whose payload is an empty line (the front
      // holds bytes until it sees one).
      const settings = "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
      const ping = "\x00\x00\x08\x06\x00\x00\x00\x00\x00\r\n\r\n\r\n\r\n";
      const raw = await rawExchange(hub.port, `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${settings}${ping}`, { quietMs: 1000, maxMs: 3000 });
      assert.match(raw, /^HTTP\/1\.1 400 /, JSON.stringify(raw.slice(0, 200)));
    },
  ],
  [
    "two equal Content-Length headers answer 400, and nothing reaches the backend (Bun's proxy answered 502, Deno passed it on)",
    async (hub) => {
      const raw = await rawExchange(hub.port, "POST /svc/twice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
      assert.deepEqual(statuses(raw), [400], raw);
      assert.deepEqual(backend.seen, []);
    },
  ],
  [
    "empty lines before a request line are skipped, also after a body, as Node does (Bun answered 400)",
    async (hub) => {
      const post = "POST /svc/crlf HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello";
      const raw = await rawExchange(hub.port, `\r\n${post}\r\n\r\nGET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { responses: 2 });
      assert.deepEqual(statuses(raw), [200, 200], raw);
      assert.deepEqual(backend.seen.map((request) => [request.method, request.url, request.body]), [["POST", "/base/svc/crlf", "hello"]]);
    },
  ],
  [
    "a TLS ClientHello on the plain port answers 400 at once (the fronts waited for the end of a head until their idle timeout)",
    async (hub) => {
      const hello = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x01".repeat(60);
      const raw = await rawExchange(hub.port, hello, { quietMs: 3000, maxMs: 3000 });
      assert.deepEqual(statuses(raw), [400], JSON.stringify(raw));
    },
  ],
  [
    "a proxied upgrade the backend refuses leaves no raw pipe: what the client sends next never reaches the backend unrouted (Node, Bun and Deno passed it on)",
    async (hub) => {
      const upgrade = "GET /svc/u HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      const after = "GET /svc/after HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      // Sent behind the upgrade in one write, and sent once the refusal came.
      const together = await rawExchange(hub.port, upgrade + after, { quietMs: 1500, maxMs: 3000 });
      assert.equal(statuses(together)[0], 200, together);
      const socket = net.connect(hub.port, "127.0.0.1");
      let answer = "";
      socket.on("data", (bytes) => (answer += bytes.toString("latin1"))).on("error", () => undefined);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write(upgrade);
      await until(() => answer.includes("ok /base/svc/u"), 3000);
      if (!socket.destroyed) socket.write(after);
      // A guard, not a deadline: a loaded machine may take a while to close it.
      await Promise.race([closed, sleep(10_000)]);
      assert.ok(socket.destroyed || socket.readableEnded, "the connection ends with the refusal");
      socket.destroy();
      assert.deepEqual(backend.seen.map((request) => request.url), ["/base/svc/u", "/base/svc/u"], "only the upgrade requests reached the backend");
      assert.match(String(backend.seen[0]!.headers.connection), /upgrade/i);
    },
  ],
  [
    "a method the server does not know answers 400, never a silent close (Bun closed the connection; Deno serves any token as a method)",
    async (hub) => {
      for (const method of ["FOO", "get", "BREW"]) {
        const raw = await rawExchange(hub.port, `${method} /svc/m HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { quietMs: 1000, maxMs: 3000 });
        const answered = statuses(raw);
        if (hub.child.runtime === "deno") assert.equal(answered.length, 1, `${method}: ${JSON.stringify(raw.slice(0, 200))}`);
        else assert.deepEqual(answered, [400], `${method}: ${JSON.stringify(raw.slice(0, 200))}`);
      }
      // Every method Node knows still goes through (WebDAV's among them).
      const raw = await rawExchange(hub.port, "PROPFIND /svc/dav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.deepEqual(statuses(raw), [200], raw);
    },
  ],
  [
    "a request with Upgrade and a body answers 400 whatever its method, proxied or to a route; without a body a method other than GET is an ordinary request, Upgrade dropped (Bun passed a POST's body on and closed a GET's unanswered; Node piped a GET's body to the backend)",
    async (hub) => {
      const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
      for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "GET"]) {
        for (const path of ["/svc/up", "/api/slow"]) {
          for (const body of ["Content-Length: 5\r\n\r\nhello", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"]) {
            const raw = await rawExchange(hub.port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade}${body}`, { quietMs: 1000, maxMs: 3000 });
            assert.deepEqual(statuses(raw), [400], `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(raw.slice(0, 200))}`);
            assert.match(raw, /only a GET without a body may upgrade/, raw);
          }
        }
      }
      assert.equal(backend.seen.length, 0, "a request with Upgrade and a body reached the backend");
      for (const method of ["POST", "DELETE", "OPTIONS"]) {
        const raw = await rawExchange(hub.port, `${method} /svc/plain HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade}\r\n`, { quietMs: 1000, maxMs: 3000 });
        assert.deepEqual(statuses(raw), [200], `${method}: ${JSON.stringify(raw.slice(0, 200))}`);
      }
      assert.deepEqual(backend.seen.map((request) => [request.method, request.headers.upgrade]), [["POST", undefined], ["DELETE", undefined], ["OPTIONS", undefined]]);
      // `Upgrade` without `Connection: upgrade` asks for nothing: an ordinary POST, body and all (Node's reading).
      const raw = await rawExchange(hub.port, "POST /svc/plain HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello");
      assert.deepEqual(statuses(raw), [200], raw);
      assert.equal(backend.seen.at(-1)?.body, "hello");
    },
  ],
  [
    "Expect: 100-continue gets one 100 Continue at most (Bun sent two to a GET), and one to a request with a body",
    async (hub) => {
      const continues = (raw: string) => raw.split("HTTP/1.1 100 Continue\r\n\r\n").length - 1;
      for (const path of ["/svc/expect", "/api/hello"]) {
        const raw = await rawExchange(hub.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n\r\n`);
        assert.ok(continues(raw) <= 1, `${path}: ${JSON.stringify(raw.slice(0, 120))}`);
        assert.deepEqual(statuses(raw).filter((status) => status !== 100), [200], raw);
      }
      // Sent in one write with its head: the client did not wait, and still gets one.
      const raw = await rawExchange(hub.port, "POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", { responses: 2 });
      assert.equal(continues(raw), 1, raw);
      assert.deepEqual(statuses(raw), [100, 200], raw);
    },
  ],
  [
    "Expect: 100-Continue in any case gets its 100 Continue before the body is sent, proxied or to a route (Bun sent it only for the lower-case token: a client waiting for it waited for its own timeout)",
    async (hub) => {
      for (const token of ["100-continue", "100-Continue", "100-CONTINUE"]) {
        for (const path of ["/svc/expect", "/api/slow"]) {
          const socket = net.connect(hub.port, "127.0.0.1");
          let answer = "";
          socket.setEncoding("latin1").on("data", (bytes: string) => (answer += bytes)).on("error", () => undefined);
          socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: ${token}\r\nContent-Length: 5\r\n\r\n`);
          // A guard, not a deadline: the body goes only once the 100 came, as a client that waits sends it.
          await until(() => answer.includes("\r\n\r\n"), 10_000);
          const interim = answer;
          if (interim.startsWith("HTTP/1.1 100 ")) socket.write("hello");
          await until(() => statuses(answer).some((status) => status !== 100), 10_000);
          socket.destroy();
          assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n\r\n/, `${token} ${path}: ${JSON.stringify(interim.slice(0, 120))}`);
          assert.deepEqual(statuses(answer), [100, 200], `${token} ${path}: ${JSON.stringify(answer.slice(0, 200))}`);
        }
      }
      assert.deepEqual(backend.seen.map((request) => request.body), ["hello", "hello", "hello"]);
    },
  ],
  [
    "a request head past 16 KiB answers 431 from the hub, proxied or to a route, as Node's and Bun's own limit does (Deno's front took up to 64 KiB: its routes served it, and a backend refused it)",
    async (hub) => {
      for (const size of [20_000, 40_000, 60_000]) {
        for (const path of ["/svc/big", "/api/hello"]) {
          const raw = await rawExchange(hub.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(size)}\r\n\r\n`, { quietMs: 1000, maxMs: 3000 });
          assert.deepEqual(statuses(raw), [431], `${size} ${path}: ${JSON.stringify(raw.slice(0, 200))}`);
        }
      }
      assert.deepEqual(backend.seen, []);
      const raw = await rawExchange(hub.port, `GET /svc/big HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(15_000)}\r\n\r\n`);
      assert.deepEqual(statuses(raw), [200], JSON.stringify(raw.slice(0, 200)));
    },
  ],
  [
    "a request target with a byte that is not visible ASCII answers 400 (Bun passed DEL and bytes from 0x80 on, Deno the latter; Bun answered 505 to a tab)",
    async (hub) => {
      // `rawExchange` writes UTF-8: "\x80" and "é" go out as two bytes from 0x80 on.
      for (const odd of ["\x7f", "\x80", "é", "\t", "\x01"]) {
        for (const path of ["/svc/odd", "/api/hello"]) {
          const raw = await rawExchange(hub.port, `GET ${path}${odd}x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { quietMs: 1000, maxMs: 3000 });
          assert.deepEqual(statuses(raw), [400], `${JSON.stringify(odd)} ${path}: ${JSON.stringify(raw.slice(0, 200))}`);
        }
      }
      assert.deepEqual(backend.seen, []);
    },
  ],
  [
    "a path with a stray % goes to the backend as sent, as on Node (Bun answered 400 before routing it)",
    async (hub) => {
      for (const path of ["/svc/a%", "/svc/a%zz", "/svc/a%4", "/svc/a?x=%"]) {
        const raw = await rawExchange(hub.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        assert.deepEqual(statuses(raw), [200], `${path}: ${JSON.stringify(raw.slice(0, 200))}`);
      }
      assert.deepEqual(backend.seen.map((request) => request.url), ["/base/svc/a%", "/base/svc/a%zz", "/base/svc/a%4", "/base/svc/a?x=%"]);
    },
  ],
];

async function until(ready: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !ready() && Date.now() < end; ) await sleep(20);
}

for (const runtime of RUNTIMES) {
  const hub = await startHub(runtime, `${backend.url}/base`);
  try {
    await runCases(tally, hub, cases, () => (backend.seen.length = 0));
    const printed = hub.child.stderr().trim();
    await tally.run(runtime, "the hub printed nothing", async () => assert.equal(printed, "", `the hub printed:\n${printed.slice(0, 500)}`));
  } finally {
    await hub.stop();
  }
}
await backend.close();
tally.end("every hub answered every attack, none hung");
