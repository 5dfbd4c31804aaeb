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

/**
 * What the shared buffer rests on: between the front's `socket.write` of `shortFrame` and the copy
 * of what it did not take, no other answer may be framed into it, so that write must not call back
 * into JavaScript. Bun's does not (its `write` sends and, short of the whole, asks the event loop
 * for writability: src/bun.js/api/bun/socket.zig, packages/bun-usockets/src/socket.c): `drain`,
 * `close`, `end` and `error` run from the event loop. Checked here on what could call them: writes
 * that fill the socket, writes the peer stops reading, writes after it reset or ended.
 */
interface RawSocket {
  write(bytes: Uint8Array | string, offset?: number, length?: number): number;
  terminate(): void;
  end(): void;
}
type Handlers = Record<string, (socket: RawSocket, data: Uint8Array) => void>;
/** The part of `Bun` this case uses (the repository's typecheck has no Bun types). */
const bunNet = (globalThis as unknown as {
  Bun: {
    listen(options: { hostname: string; port: number; socket: Handlers }): { port: number; stop(closeActive: boolean): void };
    connect(options: { hostname: string; port: number; socket: Handlers }): Promise<RawSocket>;
    sleep(ms: number): Promise<void>;
  };
}).Bun;

test("Bun's socket.write runs none of the socket's handlers before it returns", async () => {
  const Bun = bunNet;
  let inWrite = false;
  const reentered: string[] = [];
  const ran: Record<string, number> = {};
  const seen = (name: string) => {
    ran[name] = (ran[name] ?? 0) + 1;
    if (inWrite) reentered.push(name);
  };
  const bytes = new Uint8Array(1 << 20).fill(0x61);
  const taken = { partly: 0, none: 0 };
  const write = (socket: RawSocket, offset: number, length: number) => {
    inWrite = true;
    try {
      const n = socket.write(bytes, offset, length);
      if (n < 0) taken.none++;
      else if (n < length) taken.partly++;
    } finally {
      inWrite = false;
    }
  };
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: () => seen("open"),
      data(socket) {
        seen("data");
        for (let i = 0; i < 32; i++) write(socket, 3, bytes.length - 3);
      },
      drain(socket) {
        seen("drain");
        for (let i = 0; i < 8; i++) write(socket, 1, 1000);
      },
      close(socket) {
        seen("close");
        write(socket, 0, 10);
      },
      end(socket) {
        seen("end");
        write(socket, 0, 10);
      },
      error(socket) {
        seen("error");
        write(socket, 0, 10);
      },
    },
  });
  const quiet = { data() {}, close() {}, error() {} };
  for (let round = 1; round <= 6; round++) {
    // Reads a few MiB (the server's writes fill the socket, then drain), then resets mid-stream.
    let got = 0;
    const client = await Bun.connect({
      hostname: "127.0.0.1",
      port: server.port,
      socket: { ...quiet, data: (c, d) => ((got += d.length) > round * 3_000_000 ? c.terminate() : undefined) },
    });
    client.write("go");
    await Bun.sleep(100);
    client.terminate();
    // Ends its side while the server writes.
    const ender = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: quiet });
    ender.write("go");
    await Bun.sleep(5);
    ender.end();
    await Bun.sleep(40);
  }
  server.stop(true);
  // The cases that could call back were all met.
  expect(taken.partly).toBeGreaterThan(0);
  expect(taken.none).toBeGreaterThan(0);
  expect(ran["drain"]).toBeGreaterThan(0);
  expect(ran["close"]).toBeGreaterThan(0);
  expect(ran["end"]).toBeGreaterThan(0);
  expect(reentered).toEqual([]);
}, 30_000);
