/**
 * What a client reads off the wire for an answer whose length is known: an intercept route's own
 * `new Response("text")` (or bytes, URLSearchParams, an empty body, none), a `connectMocks`
 * handler's answer and a replayed one go out with `content-length` and without
 * `transfer-encoding: chunked` on every runtime (test/fixtures/answer-length-hub.ts; Deno with
 * --allow-net=127.0.0.1 only). A Node hub sent a handler's own Response chunked whatever its body
 * (srvx streams a global Response), where Bun and Deno send the length. A stream still producing
 * stays chunked everywhere. The head is read from a raw socket: the bytes a user's client sees.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { postRecording } from "../fixtures/_postRecording.ts";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

/** The status line, the framing headers and the body as a client reads them off one connection. */
async function rawAnswer(port: number, method: string, path: string, body = ""): Promise<{ status: string; length: string | undefined; chunked: boolean; body: string }> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n${body ? `content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` : ""}\r\n${body}`);
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
  });
  const split = bytes.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = bytes.subarray(0, split).toString("latin1").split("\r\n");
  const header = (name: string) => lines.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const chunked = header("transfer-encoding")?.toLowerCase() === "chunked";
  let rest = bytes.subarray(split + 4);
  if (chunked) {
    // Undone here so that the body is checked whatever the framing.
    const parts: Buffer[] = [];
    for (;;) {
      const end = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.subarray(0, end).toString(), 16);
      if (size === 0) break;
      parts.push(rest.subarray(end + 2, end + 2 + size));
      rest = rest.subarray(end + 2 + size + 2);
    }
    rest = Buffer.concat(parts);
  }
  return { status: statusLine!.split(" ")[1]!, length: header("content-length"), chunked, body: rest.toString() };
}

const OWN: Record<string, string> = { text: "héllo", bytes: "bytes", "array-buffer": "buffer", form: "a=1&b=2", empty: "", none: "" };

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: an answer of known length (an intercept's own Response, a connectMocks handler's, a replay) goes out with content-length, not chunked; a stream still producing goes chunked`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/answer-length-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    await mocks.interceptRequest("GET", "/mocked/text", () => new Response("mocked héllo"));
    await mocks.interceptRequest("GET", "/mocked/bytes", () => new Response(new TextEncoder().encode("mocked bytes")));
    await mocks.replay(postRecording("/replayed", "order 42", "replayed answer"));

    const answers: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const [kind, body] of Object.entries(OWN)) {
      for (const path of [`/own/${kind}`, `/own-http/${kind}`]) {
        answers[path] = await rawAnswer(port, "GET", path);
        expected[path] = { status: "200", length: String(Buffer.byteLength(body)), chunked: false, body };
      }
    }
    for (const [path, body] of [["/mocked/text", "mocked héllo"], ["/mocked/bytes", "mocked bytes"]] as const) {
      answers[path] = await rawAnswer(port, "GET", path);
      expected[path] = { status: "200", length: String(Buffer.byteLength(body)), chunked: false, body };
    }
    answers["/replayed"] = await rawAnswer(port, "POST", "/replayed", "order 42");
    expected["/replayed"] = { status: "200", length: "15", chunked: false, body: "replayed answer" };
    answers["/own/slow"] = await rawAnswer(port, "GET", "/own/slow");
    expected["/own/slow"] = { status: "200", length: undefined, chunked: true, body: "first second" };
    assert.deepEqual(answers, expected);
    await mocks.close();
    assert.deepEqual(await stopHub(hub), []);
  });
}
