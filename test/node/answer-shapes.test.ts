/**
 * The same answer, in shape, from a Node, a Bun and a Deno hub (Deno with --allow-net=127.0.0.1
 * only): for each kind of answer the hub makes or sends (an intercept route's data and its own
 * `Response` of text, a typed Blob, URLSearchParams, JSON text with its type, no body; a HEAD; a
 * replayed answer and a replay's miss; a fault's status; the dashboard's JSON and page; the hub's
 * own 404, 502, 504, its 403 for a Host it does not answer and 426 for HTTP to the framework path;
 * a remote mock's text and its throw), the status, the `content-type`, whether a body came, and
 * how its end is told (`content-length` or chunked), read off the raw socket; the same for a refused
 * WebSocket upgrade (a path nothing serves, a fault, a mock's refusal, a Host it does not answer)
 * and the dashboard's redirect from `/__crossipc` to its page. Left out as the
 * runtimes' own: Deno sends a Blob and FormData chunked (a HEAD of them with neither header); Bun
 * sends bytes as `application/octet-stream`, Node and Deno with no type; a HEAD of a Bun hub's
 * `new Response("text")` has no type (Bun's server drops a type its body holds on a HEAD).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

/** A WebSocket client's upgrade request, as `ws` sends it (the method `WS` in the tables below). */
const UPGRADE_FIELDS = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

/**
 * One raw HTTP/1.1 exchange (`Connection: close`; an upgrade request for `WS`): the head's fields a
 * user reads, and the body's first bytes. Read until the server closes, or until the body its
 * `content-length` announces has come (a refused upgrade's connection may stay open).
 */
async function exchange(port: number, method: string, path: string, host = `127.0.0.1:${port}`): Promise<string> {
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => {
      data += chunk;
      const end = data.indexOf("\r\n\r\n");
      const length = end === -1 ? undefined : /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end))?.[1];
      if (length !== undefined && data.length >= end + 4 + Number(length)) socket.destroy();
    });
    socket.on("error", reject).on("close", () => resolve(data));
    const fields = method === "WS" ? UPGRADE_FIELDS : "Connection: close\r\n";
    socket.write(`${method === "WS" ? "GET" : method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${fields}\r\n`);
  });
  const end = raw.indexOf("\r\n\r\n");
  const [statusLine, ...fields] = raw.slice(0, end).split("\r\n");
  const field = (name: string) => fields.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const length = field("content-length") !== undefined ? "length" : field("transfer-encoding") === "chunked" ? "chunked" : "no length";
  const body = raw.length > end + 4 ? "a body" : "no body";
  return `${statusLine!.split(" ")[1]} ${(field("content-type") ?? "no type").toLowerCase()} ${length} ${body}`;
}

const EXPECTED: Record<string, string> = {
  "GET /i/data": "200 application/json length a body",
  "GET /i/none": "200 application/json length no body",
  "GET /i/string": "200 text/plain;charset=utf-8 length a body",
  "GET /i/blob": "200 image/svg+xml length a body",
  "GET /i/params": "200 application/x-www-form-urlencoded;charset=utf-8 length a body",
  "GET /i/json": "200 application/json length a body",
  "GET /i/empty": "204 no type no length no body",
  "HEAD /h/data": "200 application/json length no body",
  // A HEAD meets the GET route when no HEAD route matches (h3 v2, express, fastify): its head, no body.
  "HEAD /i/data": "200 application/json length no body",
  "GET /r/text": "200 text/plain length a body",
  "GET /r/json": "200 application/json length a body",
  "GET /f/x": "503 application/json length a body",
  "HEAD /f/x": "503 application/json length no body",
  "GET /nothing": "404 application/json length a body",
  "GET /gone/x": "502 application/json length a body",
  "GET /slow/x": "504 application/json length a body",
  // A Node hub sent its Host refusal chunked (the global Response's text through srvx).
  "GET /i/data evil.example": "403 application/json length a body",
  "GET /__ggFrameworkConnection": "426 application/json length a body",
  // A Node hub sent a replay's miss and the dashboard's JSON and page chunked (the global Response's text).
  "GET /rp/x": "404 application/json length a body",
  "GET /__crossipc/api/faults": "200 application/json length a body",
  "GET /__crossipc/api/nope": "404 application/json length a body",
  // A Node hub sent the redirect to the page chunked, with an empty body.
  "GET /__crossipc": "308 no type length no body",
  "GET /__crossipc/": "200 text/html; charset=utf-8 length a body",
  "HEAD /__crossipc/": "200 text/html; charset=utf-8 length no body",
  // A remote mock's answers (from this Node process): its own Response, and the hub's 500 for its throw.
  "GET /m/string": "200 text/plain;charset=utf-8 length a body",
  "HEAD /m/string": "200 text/plain;charset=utf-8 length no body",
  "GET /m/throws": "500 application/json length a body",
  // A refused WebSocket upgrade: a Node hub sent these without a length (crossws writes them by hand).
  "WS /nothing": "404 application/json length a body",
  "WS /f/x": "503 application/json length a body",
  "WS /m/ws-throws": "500 application/json length a body",
  // The hub's 403 for a Host it does not answer, through crossws too: no length either.
  "WS /nothing evil.example": "403 application/json length a body",
};

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: each kind of answer has the status, content-type, body and length it has on every runtime`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/answer-shapes-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    await using mocks = await connectMocks(port);
    await mocks.intercept("GET", "/m/string", () => new Response("text"));
    await mocks.intercept("HEAD", "/m/string", () => new Response("text"));
    await mocks.interceptWebSocket("/m/ws-throws", () => {
      throw new Error("the mock's own mistake");
    });
    await mocks.intercept("GET", "/m/throws", () => {
      throw new Error("the mock's own mistake");
    });
    const seen: Record<string, string> = {};
    for (const key of Object.keys(EXPECTED)) {
      const [method, path, host] = key.split(" ");
      seen[key] = await exchange(port, method!, path!, host);
    }
    // Deno's server sends a Blob chunked, whatever its size, and so does a Node 24 hub, which reads it
    // later than Node 20's (the runtimes' own, as README says).
    const blobChunked = runtime === "deno" || (runtime === "node" && Number(process.versions.node.split(".")[0]) >= 24);
    assert.deepEqual(seen, blobChunked ? { ...EXPECTED, "GET /i/blob": "200 image/svg+xml chunked a body" } : EXPECTED);
    await mocks.close();
    assert.deepEqual(await stopHub(hub), []);
  });
}
