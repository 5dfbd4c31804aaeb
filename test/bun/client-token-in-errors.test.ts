/**
 * Bun's WebSocket error quotes the URL it dialled, the framework path's `?token=` in it
 * ("WebSocket connection to 'ws://127.0.0.1:P/__ggFrameworkConnection?token=T' failed: Failed to
 * connect"), and `connect()` rejected with it as message and cause: a test run against a hub that
 * was not up printed the token. It reads `[redacted]` now (test/node/client-token-in-errors.test.ts
 * covers what every runtime shares).
 */
import { expect, test } from "bun:test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "../fixtures/_freePort.ts";
import { crossipc } from "./_setup.ts";
import { failure } from "../_rejection.ts";

const TOKEN = "s3cret-token-0123456789";

test("a failed connect does not quote the token (no server; a server that answers 500)", async () => {
  const port = await freePort();
  const server = http.createServer((_request, response) => response.writeHead(500).end("no"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const answering = (server.address() as AddressInfo).port;
  try {
    for (const url of [`http://127.0.0.1:${port}/?token=${TOKEN}`, `http://127.0.0.1:${answering}/?token=${TOKEN}`]) {
      for (const connecting of [new crossipc.IPCClient(url).connect(), crossipc.connectMocks(url)]) {
        const error = await failure(connecting);
        expect(error.code).toBe("ERR_IPC_CONNECT");
        expect(error.message).toContain("token=[redacted]");
        for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) expect(text).not.toContain(TOKEN);
      }
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("a long token (a JWT), which Bun's message cuts in two around '...', does not show either half", async () => {
  // Bun quotes a URL past ~1,000 characters as its start, `...` and its end: no whole form of the token was there to hide.
  const long = `eyJhbGciOiJIUzI1NiJ9.${"a1b2c3d4".repeat(250)}.Q5fN0sig`;
  const port = await freePort();
  for (const connecting of [new crossipc.IPCClient(port, { accessToken: long }).connect(), crossipc.connectMocks(port, { token: long })]) {
    const error = await failure(connecting);
    expect(error.code).toBe("ERR_IPC_CONNECT");
    for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) {
      expect(text).not.toContain("a1b2c3d4a1b2c3d4");
      expect(text).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    }
  }
});

test("a long token stays hidden when the runtime id before it in the URL holds '...' of its own", async () => {
  // The runtime id is the caller's own text and comes before the token in the URL: its `...` are
  // looked at first, and four of them used up the cuts looked for (both halves of the token shown).
  const long = `eyJhbGciOiJIUzI1NiJ9.${"e5f6a7b8".repeat(250)}.Zx9Ksig`;
  const port = await freePort();
  const error = await failure(new crossipc.IPCClient(port, { accessToken: long }).connect("api...v2...blue...eu...1"));
  expect(error.code).toBe("ERR_IPC_CONNECT");
  expect(error.message).toContain("api...v2...blue...eu...1");
  for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) {
    expect(text).not.toContain("e5f6a7b8e5f6a7b8");
    expect(text).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    expect(text).not.toContain("Zx9Ksig");
  }
});
