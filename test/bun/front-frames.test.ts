/**
 * A framework connection behind the Bun hub's front, whose data frames the front carries itself
 * (adapters/_ws-direct.ts), keeps what `Bun.serve` does with them: fragments reassembled with
 * control frames between them, frames split anywhere across reads, many messages in order both
 * ways, a message sent before a close arriving before it and none after it, 1007 for invalid
 * UTF-8, 1009 past `maxMessageSize` (in fragments too; nothing behind it handled), 1002 for an
 * unmasked frame, 1002 or 1007 for a bad close frame, and a client that dies mid-frame disconnected. Each case also runs on `Bun.serve` alone (`resettableConnections:
 * false`), so the two are held to the same answers. Raw frames over `node:net`.
 */
import { expect, test } from "bun:test";
import { frame, pingWithoutReading, rawPeer } from "../fixtures/_rawPeer.ts";
import { crossipc, once, startServer, type Server } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");

const answer = (id: number, data: unknown) => `s:${id}:echo:${JSON.stringify({ success: true, data })}`;

for (const fronted of [true, false]) {
  const where = fronted ? "behind the front" : "on Bun.serve alone";
  const start = (options: ConstructorParameters<typeof crossipc.IPCServer>[1] = {}): Promise<Server> => startServer({ ...options, resettableConnections: fronted });

  test.concurrent(`${where}: many messages keep their order both ways, and those sent before a close arrive before it`, async () => {
    const server = await start();
    const handled: number[] = [];
    server.onFrameworkMessage(echo, (n) => (handled.push(typeof n === "string" ? n.length : (n as number)), n));
    const peer = await rawPeer(server.getPort(), "orderly");
    // 300 requests in one stream cut at odd places, notifications going the other way meanwhile;
    // every 7th carries 300 bytes (a 16-bit length) and every 50th 20 KiB (past the front's scratch buffer).
    const data = (n: number) => (n % 50 === 0 ? "z".repeat(20 * 1024) : n % 7 === 0 ? "y".repeat(300) : n);
    const requests = Buffer.concat(Array.from({ length: 300 }, (_, i) => frame(1, `r:${i + 1}:echo:${JSON.stringify(data(i + 1))}`)));
    const pushes = setInterval(() => server.sendFrameworkNotification("orderly", "tick", Date.now()), 1);
    await peer.write(requests, 997);
    await peer.until(() => peer.texts().filter((t) => t.startsWith("s:")).length === 300);
    clearInterval(pushes);
    const sizeOf = (n: number) => { const d = data(n); return typeof d === "string" ? d.length : d; };
    expect(handled).toEqual(Array.from({ length: 300 }, (_, i) => sizeOf(i + 1)));
    expect(peer.texts().filter((t) => t.startsWith("s:"))).toEqual(Array.from({ length: 300 }, (_, i) => answer(i + 1, data(i + 1))));
    for (let i = 0; i < 200; i++) server.sendFrameworkNotification("orderly", "last", i);
    await server.teardown();
    await peer.closed;
    const last = peer.frames.findIndex((f) => f.opcode === 1 && /:last:199$/.test(f.payload.toString()));
    const close = peer.frames.findIndex((f) => f.opcode === 8);
    expect(peer.texts().filter((t) => t.includes(":last:")).length).toBe(200);
    expect(last).toBeGreaterThan(-1);
    expect(close).toBeGreaterThan(last);
    expect(peer.frames.slice(close + 1)).toEqual([]);
  });

  test.concurrent(`${where}: a fragmented message with a ping between its fragments, sent a byte at a time`, async () => {
    const server = await start();
    server.onFrameworkMessage(echo, (x) => x);
    const peer = await rawPeer(server.getPort(), "fragments");
    const text = `r:1:echo:"${"é".repeat(200)}"`;
    const bytes = Buffer.from(text);
    // The cut falls inside a two-byte character: only the whole message must be valid UTF-8.
    const stream = Buffer.concat([frame(1, bytes.subarray(0, 11), { fin: false }), frame(0, bytes.subarray(11, 201), { fin: false }), frame(9, "are you there"), frame(0, bytes.subarray(201))]);
    await peer.write(stream, 1);
    await peer.until((all) => all.some((f) => f.opcode === 1));
    expect(peer.texts()).toEqual([answer(1, "é".repeat(200))]);
    const pong = peer.frames.find((f) => f.opcode === 10);
    expect(pong?.payload.toString()).toBe("are you there");
    peer.socket.destroy();
    await server.teardown();
  });

  test.concurrent(`${where}: invalid UTF-8 closes with 1007, unhandled; others are still served`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const peer = await rawPeer(server.getPort(), "garbled");
    await peer.write(Buffer.concat([frame(1, "r:1:echo:1"), frame(1, Buffer.from([0x72, 0x3a, 0xc3, 0x28])), frame(1, "r:2:echo:2")]));
    expect(await peer.closeCode()).toBe(1007);
    await peer.closed;
    expect(peer.texts()).toEqual([answer(1, 1)]);
    expect(handled).toBe(1);
    const other = await rawPeer(server.getPort(), "fine");
    await other.write(frame(1, "r:3:echo:3"));
    await other.until(() => other.texts().length === 1);
    other.socket.destroy();
    await server.teardown();
  });

  test.concurrent(`${where}: a message past maxMessageSize in fragments closes with 1009, unhandled`, async () => {
    const server = await start({ maxMessageSize: 64 * 1024 });
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "big" && cb()));
    const peer = await rawPeer(server.getPort(), "big");
    const part = "x".repeat(40 * 1024);
    await peer.write(Buffer.concat([frame(1, `r:1:echo:"${part}`, { fin: false }), frame(0, part, { fin: false }), frame(0, '"')]));
    expect(await peer.closeCode()).toBe(1009);
    await gone;
    expect(handled).toBe(0);
    peer.socket.destroy();
    await server.teardown();
  });

  // With the proxy limit (server-wide) above the framework one, the front gathered such a message
  // whole before the core closed the connection; behind Deno's front a request behind it in the
  // same read was then still handled (test/deno/front-frames.test.ts). Here Bun's close reached
  // the core in time; the front now closes at the message's header, with the same answers.
  test.concurrent(`${where}: a message past maxMessageSize, under maxProxyMessageSize, closes with 1009; it and the request behind it are unhandled`, async () => {
    const server = await start({ maxMessageSize: 64 * 1024 });
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "big-one" && cb()));
    const peer = await rawPeer(server.getPort(), "big-one");
    await peer.write(Buffer.concat([frame(1, `r:1:echo:"${"x".repeat(70 * 1024)}"`), frame(1, "r:2:echo:2")]));
    expect(await peer.closeCode()).toBe(1009);
    await gone;
    expect(handled).toBe(0);
    expect(peer.texts()).toEqual([]);
    peer.socket.destroy();
    await server.teardown();
  });

  // A request after the close frame, in the same write, went to the core through the front (found by fuzzing).
  test.concurrent(`${where}: the client's close frame is answered with its code; a request after it is not handled`, async () => {
    const server = await start();
    const handled: unknown[] = [];
    server.onFrameworkMessage(echo, (x) => (handled.push(x), x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "bye" && cb()));
    const peer = await rawPeer(server.getPort(), "bye");
    const closing = Buffer.alloc(2);
    closing.writeUInt16BE(4000);
    await peer.write(Buffer.concat([frame(1, "r:1:echo:1"), frame(8, closing), frame(1, "r:2:echo:2")]));
    expect(await peer.closeCode()).toBe(4000);
    await gone;
    await peer.closed;
    expect(peer.texts()).toEqual([answer(1, 1)]);
    expect(handled).toEqual([1]);
    await server.teardown();
  });

  // The front now checks a client's close frame itself (for `Deno.serve`, which drops the
  // connection on a bad one): it must answer as `Bun.serve` alone does.
  test.concurrent(`${where}: a bad close frame is answered with 1002 or 1007`, async () => {
    const server = await start();
    const closeCode = (code: number, reason: Uint8Array = new Uint8Array()) => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
    const cases: [string, Buffer, number][] = [
      ["a 1-byte payload", Buffer.from([3]), 1002],
      ["code 1005 (never sent)", closeCode(1005), 1002],
      ["code 2000 (reserved)", closeCode(2000), 1002],
      ["a reason that is not UTF-8", closeCode(1000, Buffer.from([0xc3, 0x28])), 1007],
      ["code 4000", closeCode(4000), 4000],
    ];
    for (const [what, payload, expected] of cases) {
      const peer = await rawPeer(server.getPort(), "bad-close");
      await peer.write(frame(8, payload));
      await peer.closed;
      expect([what, peer.frames.find((f) => f.opcode === 8)?.payload.readUInt16BE(0)]).toEqual([what, expected]);
    }
    await server.teardown();
  });

  test.concurrent(`${where}: an unmasked frame closes with 1002`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const peer = await rawPeer(server.getPort(), "bare");
    await peer.write(frame(1, "r:1:echo:1", { masked: false }));
    expect(await peer.closeCode()).toBe(1002);
    expect(handled).toBe(0);
    peer.socket.destroy();
    await server.teardown();
  });

  test.concurrent(`${where}: a client that dies mid-frame is disconnected, and the hub serves on`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "cut" && cb()));
    const peer = await rawPeer(server.getPort(), "cut");
    const whole = frame(1, `r:1:echo:"${"y".repeat(1000)}"`);
    await peer.write(whole.subarray(0, 500));
    peer.socket.destroy();
    await gone;
    expect(handled).toBe(0);
    const other = await rawPeer(server.getPort(), "after");
    await other.write(frame(1, "r:2:echo:2"));
    await other.until(() => other.texts().length === 1);
    other.socket.destroy();
    await server.teardown();
  });
}

// Behind the front `Bun.serve`'s pongs pass through the front's own queue to the client, which
// grew without end for a client that pings and never reads: now cut off past maxBufferedAmount
// plus one message, `Bun.serve`'s own backpressureLimit (past which `Bun.serve` alone takes the
// pings and drops its pongs, which a client cannot tell from holding them: only the front is checked).
test("behind the front: a client that pings and never reads is cut off, and the hub serves on", async () => {
  const server = await startServer({ maxBufferedAmount: 64 * 1024, maxMessageSize: 64 * 1024, resettableConnections: true });
  expect(await pingWithoutReading(server.getPort(), "pinger")).toBe("cut");
  const other = await rawPeer(server.getPort(), "after-pings");
  await other.write(frame(1, "r:1:echo:1"));
  server.onFrameworkMessage(echo, (x) => x);
  await other.until(() => other.texts().length === 1);
  other.socket.destroy();
  await server.teardown();
}, 60_000);
