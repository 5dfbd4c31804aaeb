/**
 * Pipelined requests and absolute-form targets against hubs under Node, Bun and Deno, over raw
 * TCP (issue 21): `Bun.serve` closed the connection and answered nothing when a request arrived
 * behind one still in progress (an async route, a proxied request, an answer still draining),
 * and took `GET http://other/x` as the path `/x`. Every hub answers pipelined requests in order
 * and refuses absolute-form with 400.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { rawExchange, rawExchangeClosing, runCases, startHub, statuses, Tally, type AttackCase } from "./_attack.ts";

const BIG = 4 * 1024 * 1024;
/** What the backend saw: path and the headers that say where a request came from. */
const seen: Array<{ url: string; forwardedFor: string | undefined; frontHeaders: string[] }> = [];
const backend = createServer((req, res) => {
  seen.push({ url: req.url!, forwardedFor: req.headers["x-forwarded-for"] as string | undefined, frontHeaders: Object.keys(req.headers).filter((name) => name.startsWith("x-crossipc")) });
  req.resume();
  req.on("end", () => {
    // An answer larger than any socket buffer: it is still draining when the next request arrives.
    if (req.url!.endsWith("/big")) return res.end("b".repeat(BIG));
    // A streamed answer (chunked), finished later.
    if (req.url!.endsWith("/stream")) {
      res.write("part one, ");
      setTimeout(() => res.end("part two"), 100);
      return;
    }
    setTimeout(() => res.end(`ok ${req.url}`), 30);
  });
});
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
const post = (path: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;


/** The answers in `raw`, in order: status and body (a chunked body decoded); a HEAD's answer has none. */
function answers(raw: string, heads: number[] = []): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf("\r\n\r\n", at);
    if (headEnd === -1) throw new Error(`an answer cut short: ${JSON.stringify(raw.slice(at, at + 200))}`);
    const head = raw.slice(at, headEnd);
    const status = Number(head.slice(9, 12));
    at = headEnd + 4;
    let body = "";
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (heads.includes(found.length)) body = "";
    else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const lineEnd = raw.indexOf("\r\n", at);
        const size = parseInt(raw.slice(at, lineEnd), 16);
        at = lineEnd + 2;
        if (size === 0) {
          at = raw.indexOf("\r\n\r\n", at - 2) + 4;
          break;
        }
        body += raw.slice(at, at + size);
        at += size + 2;
      }
    } else if (length) {
      body = raw.slice(at, at + Number(length[1]));
      at += body.length;
    } else {
      body = raw.slice(at);
      at = raw.length;
    }
    found.push([status, body]);
  }
  return found;
}

const cases: AttackCase[] = [
  [
    "two pipelined requests, the first proxied, are both answered in order (Bun answered neither)",
    async (hub) => {
      const raw = await rawExchange(hub.port, get("/svc/first") + get("/api/hello"), { responses: 2 });
      assert.deepEqual(answers(raw), [[200, "ok /svc/first"], [200, '{"hello":true}']], raw);
    },
  ],
  [
    "pipelined requests to an async route, with bodies, are answered in order (Bun answered neither)",
    async (hub) => {
      const raw = await rawExchange(hub.port, post("/api/slow", "one") + get("/api/hello") + post("/api/slow", "three"), { responses: 3 });
      assert.deepEqual(answers(raw), [[200, "one"], [200, '{"hello":true}'], [200, "three"]], raw);
    },
  ],
  [
    "a request pipelined behind a 4 MiB answer still draining gets its answer after all of it (Bun cut it off)",
    async (hub) => {
      const raw = await rawExchange(hub.port, get("/svc/big") + get("/svc/after"), { quietMs: 1000, maxMs: 15_000 });
      const found = answers(raw).map(([status, body]) => [status, body.length > 100 ? `${body.length} bytes` : body]);
      assert.deepEqual(found, [[200, `${BIG} bytes`], [200, "ok /svc/after"]], raw.slice(0, 300));
    },
  ],
  [
    "a request pipelined behind a streamed (chunked) answer, and behind a HEAD, is answered in order",
    async (hub) => {
      const raw = await rawExchange(hub.port, get("/svc/stream") + `HEAD /svc/head HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` + get("/svc/last"), { responses: 3 });
      assert.deepEqual(answers(raw, [1]), [[200, "part one, part two"], [200, ""], [200, "ok /svc/last"]], raw);
      assert.deepEqual(seen.map((request) => request.url), ["/svc/stream", "/svc/head", "/svc/last"]);
    },
  ],
  [
    "300 requests pipelined in one write are all answered",
    async (hub) => {
      const raw = await rawExchange(hub.port, get("/api/hello").repeat(300), { quietMs: 1000, maxMs: 20_000 });
      assert.deepEqual(statuses(raw), new Array(300).fill(200), raw.slice(-300));
    },
  ],
  [
    "a malformed request pipelined behind ones in progress is refused after their answers, then the connection closes (Node lost the answers)",
    async (hub) => {
      const inProgress = post("/api/slow", "one") + get("/svc/second");
      for (const [malformed, status] of [["GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400], [get("/api/hello", `X-Big: ${"h".repeat(20_000)}\r\n`), 431]] as const) {
        const { raw, closed } = await rawExchangeClosing(hub.port, inProgress + malformed, { quietMs: 2000 });
        assert.deepEqual(answers(raw).map(([code, body]) => [code, body.startsWith("{") ? "" : body]), [[200, "one"], [200, "ok /svc/second"], [status, ""]], raw);
        assert.ok(closed, `the connection stayed open after the ${status}`);
      }
      // An answer that says `Connection: close` is the last: it arrives whole, and the connection closes.
      const last = `POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nlast`;
      const { raw, closed } = await rawExchangeClosing(hub.port, last + "GET / HTTP/1.1\r\nBad Header\r\n\r\n", { quietMs: 2000 });
      assert.deepEqual(answers(raw), [[200, "last"]], raw);
      assert.ok(closed, "the connection stayed open after Connection: close");
    },
  ],
  [
    "malformed bytes in the body of the request in progress are refused at once, not waited for",
    async (hub) => {
      const { raw, closed } = await rawExchangeClosing(hub.port, `POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\nzz\r\n`, { quietMs: 2000 });
      assert.deepEqual(statuses(raw), [400], raw);
      assert.ok(closed, "the connection stayed open after the 400");
    },
  ],
  [
    "an absolute-form target answers 400, alone or behind an answered request (Bun took it as a path)",
    async (hub) => {
      const alone = await rawExchange(hub.port, "GET http://evil.example/svc/abs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.deepEqual(statuses(alone), [400], alone);
      const behind = await rawExchange(hub.port, get("/api/hello") + "GET http://127.0.0.1/svc/abs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", { responses: 2 });
      assert.deepEqual(statuses(behind), [200, 400], behind);
      assert.equal(seen.length, 0, "an absolute-form request reached the backend");
    },
  ],
  [
    "the backend sees the client's address in x-forwarded-for and no header of the hub's own",
    async (hub) => {
      const raw = await rawExchange(hub.port, get("/svc/who"));
      assert.equal(statuses(raw)[0], 200, raw);
      assert.deepEqual(seen, [{ url: "/svc/who", forwardedFor: "127.0.0.1", frontHeaders: [] }]);
    },
  ],
];

const tally = new Tally("pipeline hardening");
for (const runtime of RUNTIMES) {
  const hub = await startHub(runtime, backendUrl);
  try {
    await runCases(tally, hub, cases, () => (seen.length = 0));
  } finally {
    await hub.stop();
  }
}
backend.closeAllConnections();
backend.close();
tally.end("every hub answered pipelined requests in order and refused absolute-form");
