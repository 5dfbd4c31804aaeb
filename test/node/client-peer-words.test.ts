/**
 * What a client quotes of a server's words in its errors, on Node, Bun and Deno (Deno with the
 * README's `--allow-net=127.0.0.1`): `connect()`'s `ERR_IPC_UNAUTHORIZED` quotes the refusal
 * reason of whatever holds the port, and a request pending when the server closes quotes the
 * close reason. Both reached `error.message` raw: ESC, CR and the bidi controls went on to
 * whatever printed it (a library user's logger escapes nothing; the CLI does), and a refusal
 * reason ran to the 16 KiB the client reads. They are escaped visibly now, and a refusal reason is
 * cut at 1,024 characters, saying how long it was.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { WebSocketServer } from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES, start } from "../matrix/_spawn.ts";
import { listenOnLoopback } from "./_helpers.ts";

/** A title change (OSC 0), a carriage return, a right-to-left override. */
const HOSTILE = "\x1b]0;owned\x07\rfake line \u202eevil";
const SHOWN = "\\x1b]0;owned\\x07\\rfake line \\u202eevil";
const RAW_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

async function failure(runtime: (typeof RUNTIMES)[number], url: string, what: "connect" | "request"): Promise<{ code?: string; message: string }> {
  const client = start(runtime, "test/fixtures/peer-words-client.ts", [url, what], { denoPermissions: ["--allow-net=127.0.0.1"], unsetEnv: ["NO_COLOR"] });
  try {
    return await client.nextJson(60_000, `how ${what} failed`);
  } finally {
    client.proc.kill("SIGKILL");
  }
}

for (const runtime of RUNTIMES) {
  test(`${runtime} client: a refusal reason's controls are escaped and its length capped in ERR_IPC_UNAUTHORIZED`, { timeout: 90_000 }, async (t) => {
    const long = `${HOSTILE} ${"x".repeat(10_000)}`;
    // Whatever holds the port refuses the upgrade, and answers the client's plain questions 401 with that reason.
    const holder = http.createServer((_request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: long }));
    });
    holder.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"));
    const port = await listenOnLoopback(t, holder);

    const { code, message } = await failure(runtime, `http://127.0.0.1:${port}`, "connect");
    assert.equal(code, "ERR_IPC_UNAUTHORIZED", message);
    assert.doesNotMatch(message, RAW_CONTROLS, "no control character reaches error.message");
    assert.ok(message.includes(`refused the connection: ${SHOWN} xxx`), message.slice(0, 200));
    assert.ok(message.endsWith(`… (${long.length + SHOWN.length - HOSTILE.length} characters)`), message.slice(-80));
    assert.ok(message.length < 1200, `${message.length} characters`);
  });

  test(`${runtime} client: a close reason's controls are escaped in the error of a request pending when the server closed`, { timeout: 90_000 }, async (t) => {
    const server = http.createServer();
    const sockets = new WebSocketServer({ server, path: INTERNAL_SOCKET_PATH });
    sockets.on("connection", (socket) => socket.on("message", () => socket.close(4000, HOSTILE)));
    const port = await listenOnLoopback(t, server);
    t.after(() => sockets.close());

    const { code, message } = await failure(runtime, `http://127.0.0.1:${port}`, "request");
    assert.equal(code, "ERR_IPC_CLOSED", message);
    assert.doesNotMatch(message, RAW_CONTROLS);
    assert.ok(message.endsWith(`(code 4000: ${SHOWN})`), message);
  });
}
