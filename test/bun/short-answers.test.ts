/**
 * Behind the Bun hub's front, the first short answer of a turn is framed in one buffer shared by
 * all (adapters/_ws-direct.ts `shortTextFrame`) and written from it at once: the client gets it
 * byte for byte as any other frame, at each length form and UTF-8 width; and an answer the socket
 * does not take whole (a client that stopped reading) is copied before that buffer frames the next
 * (against a stand-in socket: a real one takes tens of MiB before it refuses a byte).
 */
import { Buffer } from "node:buffer";
import { expect, test } from "bun:test";
import { encodeSuccess } from "../../src/protocol.ts";
import { SHORT_FRAME_TEXT, shortFrame, shortFrameAt, shortTextFrame, textFrame } from "../../adapters/_ws-direct.ts";
import { FrontLink } from "../../adapters/_bun-front.ts";
import { frame, rawPeer } from "../fixtures/_rawPeer.ts";
import { crossipc, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");

/** Strings whose answers are 0–130 bytes and ~`SHORT_FRAME_TEXT` units (either side of it), in 1- to 4-byte UTF-8. */
function answersToTry(): string[] {
  const head = encodeSuccess("1", "echo", "").length;
  const values: string[] = [];
  for (const unit of ["a", "é", "€", "😀"]) {
    for (let bytes = 0; bytes <= 130 - head; bytes++) values.push(unit.repeat(Math.floor(bytes / Buffer.byteLength(unit))));
    for (const units of [SHORT_FRAME_TEXT - head - 2, SHORT_FRAME_TEXT - head, SHORT_FRAME_TEXT - head + 2]) values.push(unit.repeat(Math.floor(units / unit.length)));
  }
  return values;
}

test("one request at a time: every answer arrives as encodeSuccess builds it", async () => {
  const server = await startServer({ resettableConnections: true });
  server.onFrameworkMessage(echo, (x) => x);
  const peer = await rawPeer(server.getPort(), "short");
  const values = answersToTry();
  for (const [i, value] of values.entries()) {
    await peer.write(frame(1, `r:${i}:echo:${JSON.stringify(value)}`));
    await peer.until(() => peer.texts().length === i + 1);
    expect(peer.texts()[i]).toBe(encodeSuccess(String(i), "echo", value));
  }
  peer.socket.destroy();
  await server.teardown();
}, 60_000);

test("an answer the socket does not take whole is copied before the shared buffer frames the next", () => {
  const wire: number[] = [];
  /** How many bytes each write takes: the first takes 5, then none (the client stopped reading). */
  const takes = [5];
  const client = {
    write(bytes: Uint8Array, offset = 0, length = bytes.length - offset) {
      const n = Math.min(length, takes.shift() ?? 0);
      wire.push(...bytes.subarray(offset, offset + n));
      return n;
    },
  };
  const link = new FrontLink(client as never, "test", 1 << 20);
  const frames = ["s:1:echo:" + JSON.stringify("€".repeat(50)), "s:2:echo:" + JSON.stringify("x".repeat(200)), "s:3:echo:1"];
  for (const text of frames) {
    shortTextFrame(text);
    link.writeClientFrom(shortFrame, shortFrameAt.start, shortFrameAt.end);
  }
  for (const part of link.toClient) wire.push(...part);
  expect(Buffer.from(wire)).toEqual(Buffer.concat(frames.map((text) => textFrame(text))));
  expect(link.toClientBytes).toBe(wire.length - 5);
});
