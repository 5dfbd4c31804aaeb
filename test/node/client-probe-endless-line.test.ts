/**
 * When an upgrade fails, the client asks the address again over plain TCP for a status line
 * (adapters/_probe.ts). Whatever holds the port could answer with megabytes and no line feed:
 * they were kept and searched again with each chunk until the probe's timeout, and `connect()`
 * then blamed a timeout (`ETIMEDOUT`) for what was a refusal. A status line is short: past it,
 * the answer is not HTTP, and the client says what the upgrade got.
 */
import assert from "node:assert/strict";
import net from "node:net";
import type { AddressInfo } from "node:net";
import test from "node:test";
import { IPCClient } from "../../adapters/node.ts";
import { rejection } from "./_helpers.ts";

test("an endless answer without a line feed is not read to the probe's timeout", async (t) => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", (chunk: Buffer) => {
      if (/^upgrade: websocket/im.test(chunk.toString("latin1"))) {
        socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
        return;
      }
      // The probe: bytes for as long as it reads them.
      const junk = Buffer.alloc(64 * 1024, "a");
      const pump = () => {
        while (!socket.destroyed && socket.write(junk));
        if (!socket.destroyed) socket.once("drain", pump);
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const error = await rejection(new IPCClient((server.address() as AddressInfo).port).connect());
  assert.equal(error.code, "ERR_IPC_CONNECT");
  assert.notEqual((error.cause as { code?: string } | undefined)?.code, "ETIMEDOUT", error.message);
  assert.match(error.message, /401/);
});
