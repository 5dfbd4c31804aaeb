/**
 * A framework connection behind the Deno hub's TCP front, whose data frames the front carries
 * itself (adapters/_deno-front-frames.ts, adapters/_ws-direct.ts), keeps what `Deno.serve` does
 * with them: text both ways in order, binary frames ignored, fragments reassembled with a ping
 * between them, frames split anywhere across reads, the messages of one read, 1009 past
 * `maxMessageSize` (nothing behind it handled), the close handshake (nothing after it handled), a client that dies mid-frame, and a client that reads
 * nothing dropped once too much is queued for it. Each case also runs on `Deno.serve` alone
 * (`resettableConnections: false`), so the two are held to the same answers, except where the
 * front answers as Node's and Bun's hubs do and `Deno.serve` does not: 1007 for invalid UTF-8,
 * 1002 for an unmasked frame or a control frame whose length is not in the 7-bit form, 1002 or 1007 for a bad close frame, and a slow consumer cut off with no close frame. Raw frames over `node:net`.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { floodClient } from "../fixtures/_flood.ts";
import { frame, pingWithoutReading, rawPeer } from "../fixtures/_rawPeer.ts";
import { connect, crossipc, Deno, once, startServer, type Server } from "./_deno.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");
const answer = (id: number, data: unknown) => `s:${id}:echo:${JSON.stringify({ success: true, data })}`;

for (const fronted of [true, false]) {
  const where = fronted ? "behind the front" : "on Deno.serve alone";
  const start = (options: ConstructorParameters<typeof crossipc.IPCServer>[1] = {}): Promise<Server> => startServer({ ...options, resettableConnections: fronted });

  Deno.test(`${where}: many messages keep their order both ways, and those sent before a close arrive before it`, async () => {
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
    const sizeOf = (n: number) => {
      const d = data(n);
      return typeof d === "string" ? d.length : d;
    };
    assert.deepEqual(handled, Array.from({ length: 300 }, (_, i) => sizeOf(i + 1)));
    assert.deepEqual(peer.texts().filter((t) => t.startsWith("s:")), Array.from({ length: 300 }, (_, i) => answer(i + 1, data(i + 1))));
    for (let i = 0; i < 200; i++) server.sendFrameworkNotification("orderly", "last", i);
    await server.teardown();
    await peer.closed;
    const last = peer.frames.findIndex((f) => f.opcode === 1 && /:last:199$/.test(f.payload.toString()));
    const close = peer.frames.findIndex((f) => f.opcode === 8);
    assert.equal(peer.texts().filter((t) => t.includes(":last:")).length, 200);
    assert.ok(last > -1);
    assert.ok(close > last, "the close frame comes after the last message");
    assert.equal(close, peer.frames.length - 1, "nothing after the close frame");
    assert.equal(peer.frames[close]!.payload.readUInt16BE(0), 1001);
  });

  Deno.test(`${where}: the requests of one read are all answered, in order; a binary frame among them is ignored`, async () => {
    const warnings: string[] = [];
    const server = await start({ logger: { warn: (message: string) => void warnings.push(message) } });
    server.onFrameworkMessage(echo, (x) => x);
    const peer = await rawPeer(server.getPort(), "batch");
    const stream = Buffer.concat([
      ...Array.from({ length: 20 }, (_, i) => frame(1, `r:${i + 1}:echo:${i + 1}`)),
      frame(2, new Uint8Array([114, 58, 57, 57])),
      ...Array.from({ length: 20 }, (_, i) => frame(1, `r:${i + 21}:echo:${i + 21}`)),
    ]);
    await peer.write(stream);
    await peer.until(() => peer.texts().length === 40);
    assert.deepEqual(peer.texts(), Array.from({ length: 40 }, (_, i) => answer(i + 1, i + 1)));
    assert.ok(warnings.some((w) => /Binary frame ignored/.test(w)));
    peer.socket.destroy();
    await peer.closed;
    await server.teardown();
  });

  // Behind the front, answers past Buffer's pool get a buffer of their own (session 15: Deno's
  // `Buffer.allocUnsafe` was the slow part of a 64 KiB answer): each length form, whole and in order.
  Deno.test(`${where}: answers of every frame-length form, below and past Buffer's pool, arrive whole and in order`, async () => {
    const server = await start();
    server.onFrameworkMessage(echo, (x) => x);
    const peer = await rawPeer(server.getPort(), "sizes");
    const sizes = [10, 200, 4000, 5000, 70 * 1024, 1024 * 1024];
    const texts = sizes.map((n, i) => String.fromCharCode(97 + i).repeat(n - 1) + "\u00e9");
    await peer.write(Buffer.concat(texts.map((t, i) => frame(1, `r:${i + 1}:echo:${JSON.stringify(t)}`))));
    await peer.until(() => peer.texts().length === sizes.length);
    assert.deepEqual(peer.texts(), texts.map((t, i) => answer(i + 1, t)));
    peer.socket.destroy();
    await peer.closed;
    await server.teardown();
  });

  Deno.test(`${where}: a fragmented message with a ping between its fragments, sent a byte at a time`, async () => {
    const server = await start();
    server.onFrameworkMessage(echo, (x) => x);
    const peer = await rawPeer(server.getPort(), "fragments");
    const text = `r:1:echo:"${"é".repeat(200)}"`;
    const bytes = Buffer.from(text);
    // The cut falls inside a two-byte character: only the whole message must be valid UTF-8.
    const stream = Buffer.concat([frame(1, bytes.subarray(0, 11), { fin: false }), frame(0, bytes.subarray(11, 201), { fin: false }), frame(9, "are you there"), frame(0, bytes.subarray(201))]);
    await peer.write(stream, 1);
    await peer.until((all) => all.some((f) => f.opcode === 1) && all.some((f) => f.opcode === 10));
    assert.deepEqual(peer.texts(), [answer(1, "é".repeat(200))]);
    assert.equal(peer.frames.find((f) => f.opcode === 10)?.payload.toString(), "are you there");
    peer.socket.destroy();
    await peer.closed;
    await server.teardown();
  });

  // `Deno.serve` alone drops the connection with no close frame (the client sees 1006); the front
  // closes with 1007, as Node's and Bun's hubs do (RFC 6455 §8.1).
  Deno.test(`${where}: invalid UTF-8 ends the connection (${fronted ? "1007" : "no close frame"}), unhandled; others are still served`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const peer = await rawPeer(server.getPort(), "garbled");
    await peer.write(Buffer.concat([frame(1, "r:1:echo:1"), frame(1, Buffer.from([0x72, 0x3a, 0xc3, 0x28])), frame(1, "r:2:echo:2")]));
    await peer.closed;
    assert.equal(peer.frames.find((f) => f.opcode === 8)?.payload.readUInt16BE(0), fronted ? 1007 : undefined);
    assert.deepEqual(peer.texts(), [answer(1, 1)]);
    assert.equal(handled, 1);
    const other = await rawPeer(server.getPort(), "fine");
    await other.write(frame(1, "r:3:echo:3"));
    await other.until(() => other.texts().length === 1);
    other.socket.destroy();
    await other.closed;
    await server.teardown();
  });

  Deno.test(`${where}: a message past maxMessageSize in fragments closes with 1009, unhandled`, async () => {
    const server = await start({ maxMessageSize: 64 * 1024, maxProxyMessageSize: 64 * 1024 });
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "big" && cb()));
    const peer = await rawPeer(server.getPort(), "big");
    const part = "x".repeat(40 * 1024);
    await peer.write(Buffer.concat([frame(1, `r:1:echo:"${part}`, { fin: false }), frame(0, part, { fin: false }), frame(0, '"')]));
    assert.equal(await peer.closeCode(), 1009);
    // `Deno.serve` waits for the client's close frame (which this client never sends) before it lets go.
    peer.socket.destroy();
    await gone;
    assert.equal(handled, 0);
    await peer.closed;
    await server.teardown();
  });

  // With the proxy limit (server-wide) above the framework one, the front gathered such a message
  // whole, the core closed the connection, and a request behind it in the same write was still
  // handled (found by fuzzing): the front now closes at the message's header. `Deno.serve` alone,
  // given a message after the core's close, drops the connection with no close frame.
  Deno.test(`${where}: a message past maxMessageSize, under maxProxyMessageSize, ${fronted ? "closes with 1009" : "ends the connection"}; it and the request behind it are unhandled`, async () => {
    const server = await start({ maxMessageSize: 64 * 1024 });
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "big-one" && cb()));
    const peer = await rawPeer(server.getPort(), "big-one");
    await peer.write(Buffer.concat([frame(1, `r:1:echo:"${"x".repeat(70 * 1024)}"`), frame(1, "r:2:echo:2")]));
    if (fronted) assert.equal(await peer.closeCode(), 1009);
    else await peer.closed;
    peer.socket.destroy();
    await gone;
    assert.equal(handled, 0);
    assert.deepEqual(peer.texts(), []);
    await peer.closed;
    await server.teardown();
  });

  // `Deno.serve` alone takes a client's unmasked frame as if it were masked; the front closes with
  // 1002, as Node's and Bun's hubs do (RFC 6455 §5.1: a server must).
  Deno.test(`${where}: an unmasked frame ${fronted ? "closes with 1002" : "is taken"}`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const peer = await rawPeer(server.getPort(), "bare");
    await peer.write(frame(1, "r:1:echo:1", { masked: false }));
    if (fronted) {
      assert.equal(await peer.closeCode(), 1002);
      assert.equal(handled, 0);
    } else {
      await peer.until(() => peer.texts().length === 1);
      assert.deepEqual(peer.texts(), [answer(1, 1)]);
    }
    peer.socket.destroy();
    await peer.closed;
    await server.teardown();
  });

  // A request after the close frame, in the same write, went to the core through the front (found by fuzzing).
  Deno.test(`${where}: the client's close frame is answered with its code, after the answers before it; a request after it is not handled`, async () => {
    const server = await start();
    const handled: unknown[] = [];
    server.onFrameworkMessage(echo, (x) => (handled.push(x), x));
    const gone = once<[string, string?]>((cb) => server.onClientDisconnect((id, runtimeId) => runtimeId === "bye" && cb(id, runtimeId)));
    const peer = await rawPeer(server.getPort(), "bye");
    const closing = Buffer.alloc(2);
    closing.writeUInt16BE(4000);
    await peer.write(Buffer.concat([frame(1, "r:1:echo:1"), frame(8, Buffer.concat([closing, Buffer.from("done")])), frame(1, "r:2:echo:2")]));
    assert.equal(await peer.closeCode(), 4000);
    await gone;
    await peer.closed;
    assert.deepEqual(peer.texts(), [answer(1, 1)]);
    assert.deepEqual(handled, [1]);
    await server.teardown();
  });

  // A bad close frame went through the front to `Deno.serve`, which drops the connection with no
  // close frame for a 1-byte payload or a reason that is not UTF-8, and whose WebSocket then keeps
  // the process alive for `heartbeat` seconds after a teardown (test/hub/deno-bad-close-exit). The
  // front answers as Node's and Bun's hubs do; `Deno.serve` alone answers only the bad codes.
  Deno.test(`${where}: a bad close frame is answered with 1002 or 1007${fronted ? "" : " where Deno.serve answers it"}, and the hub serves on`, async () => {
    const server = await start();
    const closeCode = (code: number, reason: Uint8Array = new Uint8Array()) => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(code);
      return Buffer.concat([head, reason]);
    };
    const cases: [string, Buffer, number | undefined][] = [
      ["a 1-byte payload", Buffer.from([3]), fronted ? 1002 : undefined],
      ["code 1005 (never sent)", closeCode(1005), 1002],
      ["code 999", closeCode(999), 1002],
      ["code 2000 (reserved)", closeCode(2000), 1002],
      ["a reason that is not UTF-8", closeCode(1000, Buffer.from([0xc3, 0x28])), fronted ? 1007 : undefined],
    ];
    for (const [what, payload, expected] of cases) {
      const peer = await rawPeer(server.getPort(), "bad-close");
      await peer.write(frame(8, payload));
      await peer.closed;
      const close = peer.frames.find((f) => f.opcode === 8);
      assert.equal(close?.payload.readUInt16BE(0), expected, what);
    }
    server.onFrameworkMessage(echo, (x) => x);
    const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
    assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
    fresh.disconnect();
    await server.teardown();
  });

  // A control frame's length in the 16-bit form went through the front's reader, which checked
  // the decoded length only: a ping was answered with a pong where Node's and Bun's hubs answer
  // 1002 (`ws`: "invalid payload length 126"), and a close's code and reason were checked at the
  // 7-bit form's offsets. `Deno.serve` alone still takes both.
  Deno.test(`${where}: a control frame whose length uses the 16-bit form ${fronted ? "closes with 1002" : "is taken by Deno.serve"}`, async () => {
    const server = await start();
    const cases: [string, Buffer, number][] = [
      ["a ping", Buffer.from([0x89, 0x80 | 126, 0x00, 0x00, 1, 2, 3, 4]), fronted ? 8 : 10],
      ["a close, code 1000", Buffer.from([0x88, 0x80 | 126, 0x00, 0x02, 0, 0, 0, 0, 0x03, 0xe8]), 8],
    ];
    for (const [what, bytes, opcode] of cases) {
      const peer = await rawPeer(server.getPort(), "control-16");
      await peer.write(bytes);
      await peer.until((frames) => frames.length > 0);
      const first = peer.frames[0]!;
      assert.deepEqual([what, first.opcode, first.opcode === 8 ? first.payload.readUInt16BE(0) : undefined], [what, opcode, opcode !== 8 ? undefined : fronted ? 1002 : 1000]);
      peer.socket.destroy();
    }
    await server.teardown();
  });

  Deno.test(`${where}: a client that dies mid-frame is disconnected, and the hub serves on`, async () => {
    const server = await start();
    let handled = 0;
    server.onFrameworkMessage(echo, (x) => (handled++, x));
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "cut" && cb()));
    const peer = await rawPeer(server.getPort(), "cut");
    await peer.write(frame(1, `r:1:echo:"${"y".repeat(1000)}"`).subarray(0, 500));
    peer.socket.destroy();
    await gone;
    await peer.closed;
    assert.equal(handled, 0);
    const other = await rawPeer(server.getPort(), "after");
    await other.write(frame(1, "r:2:echo:2"));
    await other.until(() => other.texts().length === 1);
    other.socket.destroy();
    await other.closed;
    await server.teardown();
  });

  Deno.test(`${where}: a client that does not read is dropped once too much is queued for it`, async () => {
    const warnings: string[] = [];
    const server = await start({ maxBufferedAmount: 256 * 1024, logger: { warn: (message: string) => void warnings.push(message) } });
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "sloth" && cb()));
    const peer = await rawPeer(server.getPort(), "sloth");
    peer.socket.pause();
    await floodClient(server, "sloth", 2000);
    await gone;
    assert.ok(warnings.some((w) => /slow client/i.test(w)));
    // It reads again: what reached it, then the end of the connection.
    peer.socket.resume();
    await peer.closed;
    // Behind the front it is cut off with what was queued for it (a close frame would wait behind
    // all of it); `Deno.serve`'s sockets cannot be cut: it lets go after its idle timeout, with a
    // close frame behind the queue.
    const close = peer.frames.find((f) => f.opcode === 8);
    assert.equal(close === undefined, fronted);
    server.onFrameworkMessage(echo, (x) => x);
    const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
    assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
    fresh.disconnect();
    await server.teardown();
  });

  // Behind the front the server's pongs pass through the front's own queue to the client, which
  // grew without end for a client that pings and never reads; `Deno.serve` alone stops reading it.
  Deno.test(`${where}: a client that pings and never reads is ${fronted ? "cut off" : "held by TCP"}, and the hub serves on`, async () => {
    const server = await start({ maxBufferedAmount: 64 * 1024, maxMessageSize: 64 * 1024 });
    const outcome = await pingWithoutReading(server.getPort(), "pinger");
    assert.ok(fronted ? outcome === "cut" : outcome !== "took all", outcome);
    server.onFrameworkMessage(echo, (x) => x);
    const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
    assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
    fresh.disconnect();
    await server.teardown();
  });
}
