/**
 * Where the Bun front puts the frames it writes itself (adapters/_front-frames.ts) among the
 * frames `Bun.serve` still sends through it (pings, the close): only between two of them, never
 * after the 101's head before it, and never after a close frame; a turn's frames after its first
 * leave together. A link that records its writes stands in for the front's connection; the
 * whole path is tested end to end in test/bun/front-frames.test.ts.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { DirectFrames, type FrameLink } from "../../adapters/_front-frames.ts";
import { frame } from "../fixtures/_rawPeer.ts";

/** A server frame (unmasked) as `Bun.serve` sends it. */
function serverFrame(opcode: number, payload: string): Uint8Array {
  const body = Buffer.from(payload);
  return new Uint8Array(Buffer.concat([Buffer.from([0x80 | opcode, body.length]), body]));
}

/** What a text frame written by the front says, or the opcode of a server frame. */
function describe(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    const length = bytes[at + 1]! & 0x7f;
    const body = Buffer.from(bytes.subarray(at + 2, at + 2 + length)).toString();
    out.push(opcode === 1 ? `text ${body}` : opcode === 8 ? "close" : opcode === 9 ? `ping ${body}` : `op ${opcode}`);
    at += 2 + length;
  }
  return out;
}

/** What the client may leave unread (the core's `maxBufferedAmount` plus one message). */
const MAX_UNREAD = 64 * 1024;

/** A link that keeps what is written to it; nothing drains it, so all of it counts as unread. */
function recordingLink(onReset = () => {}): FrameLink & { client: Uint8Array[]; server: Uint8Array[]; frames(): string[]; writes(): number } {
  const client: Uint8Array[] = [];
  const server: Uint8Array[] = [];
  let unread = 0;
  return {
    closed: false,
    get toClientBytes() {
      return unread;
    },
    maxMessageSize: 1024,
    client,
    server,
    writeClient(bytes) {
      client.push(bytes.slice());
      unread += bytes.length;
    },
    writeServer(bytes) {
      server.push(bytes.slice());
    },
    reset: onReset,
    frames: () => describe(new Uint8Array(Buffer.concat(client))),
    writes: () => client.length,
  };
}

test("frames written while a server frame is part-way through go after it, and before the close frame behind it", () => {
  const link = recordingLink();
  const frames = new DirectFrames(link, () => {}, MAX_UNREAD);
  frames.mode = "direct";
  const ping = serverFrame(9, "are you there");
  // Half a ping arrives, then the core sends two messages, then the rest of the ping and a close.
  frames.fromServer(ping.subarray(0, 5));
  frames.send("a");
  frames.send("b");
  // Only the ping's first bytes went: the messages wait for its end.
  assert.deepEqual(link.client, [ping.subarray(0, 5)]);
  frames.fromServer(new Uint8Array(Buffer.concat([ping.subarray(5), serverFrame(8, "")])));
  assert.deepEqual(link.frames(), ["ping are you there", "text a", "text b", "close"]);
  // Nothing after the close frame.
  frames.send("c");
  assert.deepEqual(link.frames(), ["ping are you there", "text a", "text b", "close"]);
});

test("frames written before the 101 passed wait for it; a turn's frames after its first leave in one write", async () => {
  const link = recordingLink();
  const frames = new DirectFrames(link, () => {}, MAX_UNREAD);
  frames.send("early");
  assert.equal(link.writes(), 0);
  assert.equal(frames.bufferedAmount, 7);
  frames.mode = "direct";
  frames.fromServer(new Uint8Array(0));
  assert.deepEqual(link.frames(), ["text early"]);
  await new Promise((resolve) => setImmediate(resolve));
  frames.send("1");
  frames.send("2");
  frames.send("3");
  assert.equal(link.writes(), 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(link.frames(), ["text early", "text 1", "text 2", "text 3"]);
  assert.equal(link.writes(), 3);
  // flush(), before the core closes the connection, writes what waits at once.
  frames.send("4");
  frames.send("5");
  frames.flush();
  assert.deepEqual(link.frames().slice(-2), ["text 4", "text 5"]);
});

// bench/ANALYSIS.md, "Session 15 — the front": each answer that went at once also scheduled a
// `setImmediate` to end its turn (an extra event-loop pass per message at one in flight). A read
// of the client's frames now begins the turn, so a request read after an answer has its own
// answer written at once too, and only a frame that finds its turn unchanged waits for its end.
test("each read of the client's frames begins a turn: its first answer goes at once; later frames of the turn still leave together", async () => {
  const link = recordingLink();
  const frames = new DirectFrames(link, () => {}, MAX_UNREAD);
  frames.mode = "direct";
  frames.fromClient(new Uint8Array(frame(1, "request 1")));
  frames.send("answer 1");
  assert.equal(link.writes(), 1);
  // The next request, read before the event loop turned: its answer does not wait for the turn's end.
  frames.fromClient(new Uint8Array(frame(1, "request 2")));
  frames.send("answer 2");
  assert.equal(link.writes(), 2);
  // Two more frames with no read between: the second waits for the end of the turn.
  frames.send("push 1");
  frames.send("push 2");
  assert.equal(link.writes(), 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(link.writes(), 3);
  assert.deepEqual(link.frames(), ["text answer 1", "text answer 2", "text push 1", "text push 2"]);
});

test("a client that leaves more than maxUnread of the server's own frames (pongs) unread is cut off; up to it, it is kept", () => {
  let resets = 0;
  const link = recordingLink(() => void resets++);
  const frames = new DirectFrames(link, () => {}, MAX_UNREAD);
  frames.mode = "direct";
  const pong = serverFrame(10, "x".repeat(100));
  while (link.toClientBytes + pong.length <= MAX_UNREAD) frames.fromServer(pong);
  assert.equal(resets, 0);
  frames.fromServer(pong);
  assert.equal(resets, 1);
});

/** The client's frames `DirectFrames` handed on: the messages, and the control frames for the server but pongs (a close with its code, unmasked). */
function readingFrames(maxText?: number) {
  const link = recordingLink();
  const messages: Array<string | Uint8Array> = [];
  const frames = new DirectFrames(link, (data) => messages.push(data), MAX_UNREAD, maxText);
  frames.mode = "direct";
  const toServer = () => link.server.filter((bytes) => (bytes[0]! & 0x0f) !== 10).map((bytes) => ((bytes[0]! & 0x0f) === 8 ? (bytes.length === 6 ? "close" : `close ${((bytes[6]! ^ bytes[2]!) << 8) | (bytes[7]! ^ bytes[3]!)}`) : `op ${bytes[0]! & 0x0f}`));
  return { frames, messages, toServer };
}

// Found by fuzzing the fronts: a request sent after the client's close frame, in the same read,
// was still handled (the reader went on past the close); `Bun.serve`, `Deno.serve` and `ws` drop it.
test("nothing after the client's close frame is handed on, in the same read or later", () => {
  const { frames, messages, toServer } = readingFrames();
  frames.fromClient(Buffer.concat([frame(1, "before"), frame(8, Buffer.from([0x03, 0xe8])), frame(1, "after"), frame(9, "ping")]));
  frames.fromClient(frame(1, "later"));
  assert.deepEqual(messages, ["before"]);
  assert.deepEqual(toServer(), ["close 1000"]);
});

// A bad close frame went on to the server as it came: `Deno.serve` then dropped the connection
// with no close frame, and its WebSocket kept the process alive for `heartbeat` seconds after a
// teardown (test/hub/deno-bad-close-exit.test.ts). Node's and Bun's servers answer 1002 or 1007.
test("a bad close frame closes with 1002 (1-byte payload, a code no endpoint sends) or 1007 (a reason not UTF-8), also sent a byte at a time; a good one goes on as it came", () => {
  const code = (n: number, reason: Uint8Array = new Uint8Array()) => Buffer.concat([Buffer.from([n >> 8, n & 0xff]), reason]);
  const cases: [Buffer, string][] = [
    [Buffer.from([3]), "close 1002"],
    [code(1005), "close 1002"],
    [code(1006), "close 1002"],
    [code(1004), "close 1002"],
    [code(1015), "close 1002"],
    [code(999), "close 1002"],
    [code(2999), "close 1002"],
    [code(5000), "close 1002"],
    [code(1000, Buffer.from([0xc3, 0x28])), "close 1007"],
    [code(1014), "close 1014"],
    [code(3000, Buffer.from("bye")), "close 3000"],
    [code(4999, Buffer.from("é")), "close 4999"],
  ];
  for (const [payload, expected] of cases) {
    for (const step of [Number.MAX_SAFE_INTEGER, 1]) {
      const { frames, messages, toServer } = readingFrames();
      const bytes = Buffer.concat([frame(8, payload), frame(1, "after")]);
      for (let at = 0; at < bytes.length; at += step) frames.fromClient(bytes.subarray(at, at + step));
      assert.deepEqual(toServer(), [expected], `${payload.toString("hex")} in steps of ${step}`);
      assert.deepEqual(messages, []);
    }
  }
  // No payload at all is a close without a code (1005 to the application): it goes on.
  const empty = readingFrames();
  empty.frames.fromClient(frame(8, Buffer.alloc(0)));
  assert.deepEqual(empty.toServer(), ["close"]);
});

// A control frame's length in the 16-bit form (126, then two bytes) was taken, where `ws` refuses
// it (1002, "invalid payload length 126"): a ping went on to the server, and the close check read
// a close's code and reason at the 7-bit form's offsets. This close's real payload is code 1000 and
// a reason that is not UTF-8 (0x83 0x68); read from those offsets it looked valid (1000, then
// 03 E8 80 80) and went on to `Deno.serve` as it came.
test("a control frame whose length uses the 16-bit form closes with 1002, as ws answers it", () => {
  const mask = [0x11, 0x22, 0x03, 0xec];
  const payload = [0x03, 0xe8, 0x83, 0x68];
  const close = Buffer.from([0x88, 0x80 | 126, 0x00, payload.length, ...mask, ...payload.map((b, i) => b ^ mask[i & 3]!)]);
  const ping = Buffer.from([0x89, 0x80 | 126, 0x00, 0x00, 1, 2, 3, 4]);
  for (const bytes of [close, ping]) {
    for (const step of [Number.MAX_SAFE_INTEGER, 1]) {
      const { frames, messages, toServer } = readingFrames();
      const all = Buffer.concat([bytes, frame(1, "after")]);
      for (let at = 0; at < all.length; at += step) frames.fromClient(all.subarray(at, at + step));
      assert.deepEqual(toServer(), ["close 1002"], `${bytes.toString("hex")} in steps of ${step}`);
      assert.deepEqual(messages, []);
    }
  }
});

// Found by fuzzing the fronts: the reader's limit was the server-wide one (the larger proxy
// limit, 64 MiB), so a text message past the core's was gathered whole, the core closed the
// connection (1009), and the request behind it in the same read was still handled.
test("a text message past maxText closes with 1009 once its header is read, and nothing after it is handed on", () => {
  const { frames, messages, toServer } = readingFrames(100);
  const big = frame(1, "x".repeat(101));
  // Only the header (and mask): the message is refused before any of it is gathered.
  frames.fromClient(Buffer.concat([frame(1, "small"), big.subarray(0, 6)]));
  assert.deepEqual(toServer(), ["close 1009"]);
  frames.fromClient(Buffer.concat([big.subarray(6), frame(1, "after")]));
  assert.deepEqual(messages, ["small"]);
  // In fragments, the same: the sum passes it.
  const fragmented = readingFrames(100);
  fragmented.frames.fromClient(Buffer.concat([frame(1, "y".repeat(60), { fin: false }), frame(0, "y".repeat(41)), frame(1, "after")]));
  assert.deepEqual(fragmented.messages, []);
  assert.deepEqual(fragmented.toServer(), ["close 1009"]);
  // Binary messages keep the link's (server-wide) limit: the core ignores them, as the server alone hands them on.
  const binary = readingFrames(100);
  binary.frames.fromClient(Buffer.concat([frame(2, "z".repeat(500)), frame(1, "after")]));
  assert.equal(binary.messages.length, 2);
  assert.deepEqual(binary.toServer(), []);
});
