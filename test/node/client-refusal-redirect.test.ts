/**
 * `connect()` asks the framework path over plain HTTP why an upgrade was refused. Whatever holds
 * the port may answer that question with a redirect; it was followed (on Node, Bun and Deno), so
 * the client sent a GET to any address the answer named and quoted that address's body as the
 * hub's reason. The hub never redirects its framework path: a redirect is no reason.
 */
import assert from "node:assert/strict";
import http from "node:http";
import test from "node:test";
import { IPCClient } from "../../adapters/node.ts";
import { listenOnLoopback, rejection } from "./_helpers.ts";

test("a redirect answering the refusal probe is not followed", async (t) => {
  // Another address on the machine, which the client must never be sent to.
  const reached: string[] = [];
  const elsewhere = http.createServer((request, response) => {
    reached.push(request.url!);
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "an answer from elsewhere" }));
  });
  const elsewherePort = await listenOnLoopback(t, elsewhere);

  // The client's first plain request (its TCP probe for a status) gets a 401, so it asks why;
  // the second (the question) gets the redirect.
  let plain = 0;
  const hostile = http.createServer((_request, response) => {
    if (++plain === 1) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end("{}");
      return;
    }
    response.writeHead(307, { location: `http://127.0.0.1:${elsewherePort}/internal/secret` });
    response.end();
  });
  hostile.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  const port = await listenOnLoopback(t, hostile);

  const error = await rejection(new IPCClient(port, { connectTimeout: 3000 }).connect());
  assert.deepEqual(reached, [], "the client followed the redirect");
  assert.doesNotMatch(error.message, /elsewhere/);
  assert.equal(plain, 2, "the client asked why");
  assert.equal(error.code, "ERR_IPC_CONNECT");
});
