/**
 * An `interceptWebSocket` handler's socket refuses what a WebSocket's own send() and close()
 * refuse, in the test's process and before anything goes to the hub: a frame that is neither a
 * string nor bytes (TypeError), a close code a WebSocket may not send or a reason over 123 bytes
 * (RangeError); the socket stays open and usable. Before, send({…}) went out as an empty binary
 * frame, send(5) as 5 zero bytes, and close(999) ended the client's socket with 1006 and no reason.
 * Any view of bytes (a DataView, an Int16Array) is sent as its bytes.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import vm from "node:vm";
import { WebSocket } from "ws";
import { connectMocks, type MockWebSocket } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("a WebSocket mock's send and close refuse what a WebSocket refuses, and the socket goes on", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const refusals: string[] = [];
  const refuse = (what: () => void) => {
    try {
      what();
      refusals.push("taken");
    } catch (error) {
      refusals.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  await mocks.interceptWebSocket("/feed", (socket: MockWebSocket) => {
    refuse(() => socket.send({ price: 1 } as never));
    refuse(() => socket.send(5 as never));
    refuse(() => socket.close(999));
    refuse(() => socket.close(1005));
    refuse(() => socket.close(4000, "é".repeat(62)));
    socket.send(new DataView(new Uint8Array([1, 2, 3]).buffer, 1, 2));
    socket.send(new Int16Array([0x0102]));
    // An ArrayBuffer of another realm (vitest's vm pools, a vm context) is bytes too.
    socket.send(vm.runInNewContext("new Uint8Array([7, 8]).buffer") as ArrayBuffer);
    socket.send("still open");
    socket.close(4000, "r".repeat(123));
  });

  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/feed`);
  const frames: string[] = [];
  client.on("message", (data: Buffer, binary: boolean) => frames.push(binary ? `bytes ${[...data].join(",")}` : data.toString()));
  const [code, reason] = (await once(client, "close")) as [number, Buffer];
  assert.deepEqual(refusals, [
    "TypeError: send: a frame is a string (text) or an ArrayBuffer or a view of one (binary), got an object (JSON.stringify it to send it as text)",
    "TypeError: send: a frame is a string (text) or an ArrayBuffer or a view of one (binary), got 5",
    "RangeError: close: the code must be one a WebSocket may send (1000–1014 but 1004–1006, or 3000–4999), got 999",
    "RangeError: close: the code must be one a WebSocket may send (1000–1014 but 1004–1006, or 3000–4999), got 1005",
    "RangeError: close: the reason must be a string of at most 123 bytes of UTF-8, got 124 bytes",
  ]);
  const int16 = new Uint8Array(new Int16Array([0x0102]).buffer);
  assert.deepEqual(frames, ["bytes 2,3", `bytes ${[...int16].join(",")}`, "bytes 7,8", "still open"]);
  assert.deepEqual([code, reason.toString()], [4000, "r".repeat(123)]);
});
