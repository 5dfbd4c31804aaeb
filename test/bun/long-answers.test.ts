/**
 * Behind the Bun hub's front, a long answer (its JSON over 1,024 units: `sendParts`) that goes at
 * once while the client's socket holds nothing unsent is framed in one buffer reused for all
 * (adapters/_ws-direct.ts `longTextFrameParts`) and written from it: the client gets it byte for
 * byte as `encodeSuccess` builds it, at each length form (16- and 64-bit) and UTF-8 width, and in
 * order with the short answers held for the turn's end at many in flight; an answer the socket does
 * not take whole is copied before that buffer frames the next (against a stand-in socket: a real
 * one takes tens of MiB before it refuses a byte), and against real sockets, two hubs in one
 * process sharing the buffer, with clients that stop reading past what loopback holds.
 */
import { Buffer } from "node:buffer";
import { expect, test } from "bun:test";
import { encodeSuccess } from "../../src/protocol.ts";
import { LONG_FRAME_TEXT, longFrameAt, longTextFrameParts, textFrame, textFrameParts } from "../../adapters/_ws-direct.ts";
import { FrontLink } from "../../adapters/_bun-front.ts";
import { frame, rawPeer } from "../fixtures/_rawPeer.ts";
import { crossipc, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Values whose answers are long: around 1,024 units, 16 KiB, 64 KiB of UTF-8 and `LONG_FRAME_TEXT` units, in 1- to 4-byte UTF-8. */
function valuesToTry(): string[] {
  const head = encodeSuccess("1", "echo", "").length;
  const values: string[] = [];
  for (const unit of ["a", "é", "€", "😀"]) {
    const bytes = Buffer.byteLength(unit);
    const ofBytes = (n: number) => unit.repeat(Math.floor(n / bytes));
    for (const units of [1030, 16 * 1024 + 10, LONG_FRAME_TEXT - head - 4, LONG_FRAME_TEXT - head, LONG_FRAME_TEXT - head + 4]) values.push(unit.repeat(Math.floor(units / unit.length)));
    for (const n of [0xffff - head - 8, 0xffff - head, 0x10000 - head + 8]) values.push(ofBytes(n));
  }
  return values;
}

test("one request at a time: every long answer arrives as encodeSuccess builds it", async () => {
  const server = await startServer({ resettableConnections: true });
  server.onFrameworkMessage(echo, (x) => x);
  const peer = await rawPeer(server.getPort(), "long");
  const values = valuesToTry();
  let framedInReused = 0;
  let withinLimit = 0;
  for (const [i, value] of values.entries()) {
    longFrameAt.end = 0;
    await peer.write(frame(1, `r:${i}:echo:${JSON.stringify(value)}`));
    await peer.until(() => peer.texts().length === i + 1);
    const answer = encodeSuccess(String(i), "echo", value);
    expect(peer.texts()[i] === answer).toBe(true);
    // It went through the reused buffer (the front's path this file is about), not one of its own.
    if (answer.length <= LONG_FRAME_TEXT) withinLimit++;
    if (longFrameAt.end === 10 + Buffer.byteLength(answer)) framedInReused++;
  }
  expect(framedInReused).toBe(withinLimit);
  peer.socket.destroy();
  await server.teardown();
}, 60_000);

test("many in flight: long answers and the shorter ones held for the turn's end arrive whole and in order", async () => {
  const server = await startServer({ resettableConnections: true });
  server.onFrameworkMessage(echo, (x) => x);
  const peer = await rawPeer(server.getPort(), "many");
  // 300 requests in a few writes: answers of ~100 KiB, ~2 KiB (held for the turn's end) and a few bytes, mixed.
  const values = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? "€".repeat(30_000 + i) : i % 3 === 1 ? "x".repeat(2_000 + i) : i));
  const requests = values.map((value, i) => frame(1, `r:${i}:echo:${JSON.stringify(value)}`));
  for (let i = 0; i < requests.length; i += 50) await peer.write(Buffer.concat(requests.slice(i, i + 50)));
  await peer.until(() => peer.texts().length === values.length);
  const texts = peer.texts();
  let same = 0;
  for (const [i, value] of values.entries()) if (texts[i] === encodeSuccess(String(i), "echo", value)) same++;
  expect(same).toBe(values.length);
  peer.socket.destroy();
  await server.teardown();
}, 60_000);

test("a long answer the socket does not take whole is copied before the reused buffer frames the next", () => {
  const wire: number[] = [];
  /** How many bytes each write takes: the first takes 1,000, then none (the client stopped reading). */
  const takes = [1000];
  const client = {
    write(bytes: Uint8Array, offset = 0, length = bytes.length - offset) {
      const n = Math.min(length, takes.shift() ?? 0);
      wire.push(...bytes.subarray(offset, offset + n));
      return n;
    },
  };
  const link = new FrontLink(client as never, "test", 1 << 30);
  const answers: Array<[string, string, string]> = [
    ["s:1:echo:{\"success\":true,\"data\":", JSON.stringify("€".repeat(30_000)), "}"],
    ["s:2:echo:{\"success\":true,\"data\":", JSON.stringify("y".repeat(70_000)), "}"],
    ["s:3:echo:{\"success\":true,\"data\":", JSON.stringify("z".repeat(2_000)), "}"],
  ];
  for (const [head, json, tail] of answers) link.writeClientFrom(longTextFrameParts(head, json, tail), longFrameAt.start, longFrameAt.end);
  for (const part of link.toClient) wire.push(...part);
  expect(Buffer.from(wire).equals(Buffer.concat(answers.map(([head, json, tail]) => textFrameParts(head, json, tail))))).toBe(true);
  expect(link.toClientBytes).toBe(wire.length - 1000);
  // And the parts framed apart are the joined text's frame (each header form).
  for (const [head, json, tail] of answers) {
    const reused = longTextFrameParts(head, json, tail).subarray(longFrameAt.start, longFrameAt.end);
    expect(Buffer.from(reused).equals(Buffer.from(textFrame(head + json + tail)))).toBe(true);
  }
});

test("long answers reach clients that stopped reading byte-exact and in order, from two hubs in one process", async () => {
  // Past what loopback's buffers take (32 MiB receive, 4 MiB send here): the socket takes part of
  // a frame framed in the one buffer both hubs' fronts share, the rest is copied, later answers
  // queue behind it; once the client reads again everything arrives as `encodeSuccess` builds it.
  // No heartbeat: a client paused for seconds answers no ping, and was dropped as dead (4 runs in 29, with ba633ff and without).
  const options = { resettableConnections: true, maxBufferedAmount: 512 * 1024 * 1024, heartbeat: 0 };
  const servers = [await startServer(options), await startServer(options)];
  const head = encodeSuccess("1000", "big", "").length;
  const shapes = [
    (i: number) => `${i}` + "€".repeat(Math.floor((LONG_FRAME_TEXT - head - 8) / 1)), // ~384 KiB, 3 bytes a unit, at the limit
    (i: number) => `${i}` + "😀".repeat(Math.floor((LONG_FRAME_TEXT - head - 8) / 2)), // 4-byte characters at the limit
    (i: number) => `${i}` + "é".repeat(Math.floor((0xffff - head - 8) / 2)), // just under the 64-bit length form
    (i: number) => `${i}` + "x".repeat(0x10000 - head), // just over it
    (i: number) => `${i}` + "€".repeat(LONG_FRAME_TEXT), // past LONG_FRAME_TEXT: its own buffer
    (i: number) => `${i}` + "y".repeat(2_000 + i), // held for the turn's end
  ];
  const count = 300;
  const value = (i: number) => shapes[i % shapes.length]!(i);
  const big = crossipc.IPCServer.defineRequest<number, string>("big");
  const handled = [0, 0];
  for (const [s, server] of servers.entries()) server.onFrameworkMessage(big, (i) => (handled[s]!++, value(i)));
  const peers = await Promise.all(servers.map((server, s) => rawPeer(server.getPort(), `paused${s}`)));
  for (const peer of peers) peer.socket.pause();
  for (let i = 0; i < count; i += 10) {
    for (const peer of peers) await peer.write(Buffer.concat(Array.from({ length: 10 }, (_, k) => frame(1, `r:${i + k}:big:${i + k}`))));
    await sleep(1);
  }
  while (handled[0]! < count || handled[1]! < count) await sleep(10);
  await sleep(50);
  for (const peer of peers) peer.socket.resume();
  for (const peer of peers) {
    // A frame overwritten before it went would leave the rest unparsable: compare what came by then.
    await Promise.race([peer.until(() => peer.texts().length === count), sleep(30_000)]);
    const texts = peer.texts();
    let same = 0;
    for (let i = 0; i < count; i++) if (texts[i] === encodeSuccess(String(i), "big", value(i))) same++;
    expect(same).toBe(count);
    peer.socket.destroy();
  }
  for (const server of servers) await server.teardown();
}, 120_000);
