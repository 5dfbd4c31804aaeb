/**
 * A differential fuzz of the Node client's own frame reader (adapters/_node-read-frames.ts,
 * `from: "server"`, as IPCClient installs it): the same random server byte streams, cut into the
 * same random reads, go to two real clients (the `ws` WebSocket IPCClient uses on Node), one
 * reading the usual frames itself and one leaving every frame to `ws`. For every stream a server
 * can send, both must hand on the same messages, pings and pongs, send back the same frames, and
 * close with the same code, reason and errors.
 *
 * Seeds are fixed (FUZZ_SEEDS=n and FUZZ_FROM=k run others locally); a failure names its seed.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import WebSocket from "crossws/websocket";
import { FAST_BYTES, readUsualFrames } from "../../adapters/_node-read-frames.ts";
import { BAD_UTF8, cut, fragmented, frame as anyFrame, random, utf8Of as utf8OfText, type FrameOptions, type Random } from "../fixtures/_fuzz.ts";

/** A server's frame: unmasked unless a break asks for a mask. */
const frame = (opcode: number, payload: string | Uint8Array, options: FrameOptions = {}) => anyFrame(opcode, payload, { masked: false, ...options });

/** Text as answers hold it; U+FFFD (which sends a frame to `ws` to check) only now and then. */
const TEXT = ["a", "é", "€", "😀", " ", "\\", '"', "a", "é", "€", "😀", " ", "\\", '"', "\uFFFD"];
const SIZES = [0, 1, 125, 126, 200, 1023, FAST_BYTES, FAST_BYTES + 1, 3000, 65536];

const utf8Of = (r: Random, n: number) => utf8OfText(r, n, TEXT);

/** One random piece of a server stream: what a server sends, or (`breaks`) mostly a break of the protocol or a limit. */
function piece(r: Random, breaks: boolean): Buffer[] {
  const opts = (o: FrameOptions = {}): FrameOptions => ({ form: r.int(8) === 0 ? r.pick([16, 64] as const) : undefined, ...o });
  const roll = breaks ? 70 + r.int(30) : r.int(70);
  if (roll < 35) {
    const value = r.int(3) === 0 ? utf8Of(r, r.int(60)) : "x".repeat(r.int(5));
    return [frame(1, `s:${r.int(1000)}:echo:{"success":true,"data":${JSON.stringify(value)}}`, opts())];
  }
  if (roll < 45) return [frame(1, utf8Of(r, r.pick(SIZES)), opts())];
  if (roll < 53) {
    // A message in fragments, maybe with a ping or a pong between them.
    const text = Buffer.from(utf8Of(r, 1 + r.int(80)));
    return fragmented(r, text, frame, opts);
  }
  if (roll < 59) return [frame(9, utf8Of(r, r.int(3) === 0 ? r.pick([0, 125]) : r.int(20)), opts())];
  if (roll < 62) return [frame(10, utf8Of(r, r.int(20)), opts())];
  if (roll < 65) return [frame(2, Buffer.alloc(r.pick(SIZES), 7), opts())];
  // Binary that holds a whole text frame, for a read that starts at its payload.
  if (roll < 67) return [frame(2, frame(1, "inside"), opts())];
  if (roll < 70) return [frame(1, "a \uFFFD sent as such", opts())];
  if (roll < 74) return [frame(1, Buffer.concat([Buffer.from("s:1:"), Buffer.from(r.pick(BAD_UTF8)), Buffer.from("x".repeat(r.int(80)))]), opts())];
  if (roll < 77) return [frame(1, "rsv", opts({ rsv: r.pick([0x40, 0x20, 0x10]) }))];
  if (roll < 82) return [frame(1, `masked ${"m".repeat(r.int(200))}`, opts({ masked: true })), frame(1, "after")];
  if (roll < 85) return [frame(r.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), "x", opts())];
  if (roll < 87) return [frame(0, "lone continuation", opts())];
  if (roll < 89) return [frame(9, "p".repeat(126), opts())];
  if (roll < 91) return [frame(1, "half", opts({ fin: false })), frame(1, "a new message mid-way")];
  {
    // The server's close frame mid-stream; whatever follows it must be read by nobody.
    const code = r.pick([1000, 1001, 3000, 4999, 999, 1005]);
    const reason = r.int(2) === 0 ? Buffer.alloc(0) : r.int(4) === 0 ? Buffer.from([0xff]) : Buffer.from("bye");
    const payload = r.int(8) === 0 ? Buffer.alloc(r.pick([0, 1])) : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
    return [frame(8, payload, opts()), frame(1, "after the close")];
  }
}

/** The client's `maxPayload`: `ws`'s default, under the reader's bound, at it. */
const MAX_PAYLOADS = [undefined, 100, FAST_BYTES - 1, FAST_BYTES];
const LAST = "the last message";

interface Outcome {
  /** What the client's listeners saw, in order. */
  events: string[];
  /** The frames the client sent back (opcode and unmasked payload). */
  sent: string[];
}

/** A server over a plain socket: answers the upgrade, writes `reads` apart, then a last message, and collects the client's frames. */
async function run(maxPayload: number | undefined, reads: Buffer[], readerOn: boolean): Promise<Outcome> {
  const sent: string[] = [];
  let serverSide: net.Socket | undefined;
  const server = net.createServer((socket) => {
    serverSide = socket;
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on("data", async (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end === -1) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(buffered.subarray(0, end).toString("latin1"))![1]!;
        buffered = buffered.subarray(end + 4);
        upgraded = true;
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        for (const bytes of reads) {
          // A gap, so that the client reads each write on its own.
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (!socket.writable) return;
          socket.write(bytes);
        }
        if (socket.writable) socket.write(frame(1, LAST));
      }
      // The client's frames: masked, 7- or 16-bit lengths (it sends pongs and a close only).
      while (buffered.length >= 6) {
        const len7 = buffered[1]! & 0x7f;
        const head = len7 === 126 ? 8 : 6;
        const length = len7 === 126 ? buffered.readUInt16BE(2) : len7;
        if (buffered.length < head + length) break;
        const mask = buffered.subarray(head - 4, head);
        const payload = Buffer.from(buffered.subarray(head, head + length)).map((b, i) => b ^ mask[i & 3]!);
        sent.push(`${buffered[0]!.toString(16)} ${Buffer.from(payload).toString("hex")}`);
        buffered = buffered.subarray(head + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const events: string[] = [];
  try {
    const ws = new (WebSocket as unknown as new (url: string, protocols: string[], options: object) => import("ws").WebSocket)(`ws://127.0.0.1:${port}/`, [], maxPayload === undefined ? {} : { maxPayload });
    const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
    let sawLast!: () => void;
    const last = new Promise<void>((resolve) => (sawLast = resolve));
    const heard = (text: string) => {
      events.push(`text ${JSON.stringify(text)}`);
      if (text === LAST) sawLast();
    };
    ws.addEventListener("message", (event) => (typeof event.data === "string" ? heard(event.data) : events.push(`binary ${Buffer.from(event.data as ArrayBuffer).length}`)));
    ws.addEventListener("error", (event) => events.push(`error ${(event as { error?: { code?: string } }).error?.code} ${event.message}`));
    ws.addEventListener("close", (event) => events.push(`close ${event.code} ${JSON.stringify(event.reason)} ${event.wasClean}`));
    ws.on("ping", (data) => events.push(`ping ${data.toString("hex")}`));
    ws.on("pong", (data) => events.push(`pong ${data.toString("hex")}`));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("the upgrade failed")), { once: true });
    });
    // As IPCClient does once its socket's `message` listener is the only one.
    if (readerOn) assert.equal(readUsualFrames(ws as never, heard, "server"), true);
    const timeout = (what: string) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} in 10 s`)), 10_000).unref());
    await Promise.race([Promise.race([closed, last]), timeout("no last message or close")]);
    // As a client does: its close, then the server's answer and the end.
    ws.close(1000);
    setTimeout(() => serverSide?.end(frame(8, Buffer.from([3, 232]))), 5);
    await Promise.race([closed, timeout("no close")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { events, sent };
  } finally {
    serverSide?.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

function streamOf(seed: number): { maxPayload: number | undefined; reads: Buffer[] } {
  const r = random(seed);
  const maxPayload = r.pick(MAX_PAYLOADS);
  const frames: Buffer[] = [];
  // Half the streams break the protocol or a limit once, anywhere (the rest is the client's to ignore).
  const n = 1 + r.int(16);
  const breakAt = r.int(2) === 0 ? r.int(n) : -1;
  for (let i = 0; i < n; i++) frames.push(...piece(r, i === breakAt));
  return { maxPayload, reads: cut(r, frames) };
}

const seeds = Number(process.env["FUZZ_SEEDS"] ?? 60);
const from = Number(process.env["FUZZ_FROM"] ?? 1);

test(`${seeds} random server streams, cut into random reads: a client with its own frame reader hears, answers and closes as ws alone does`, async () => {
  let reached = 0;
  for (let seed = from; seed < from + seeds; seed++) {
    const { maxPayload, reads } = streamOf(seed);
    const [on, off] = await Promise.all([run(maxPayload, reads.map((b) => Buffer.from(b)), true), run(maxPayload, reads.map((b) => Buffer.from(b)), false)]);
    assert.deepEqual(on, off, `seed ${seed} (maxPayload ${maxPayload}, ${reads.length} reads)`);
    if (off.events.includes(`text ${JSON.stringify(LAST)}`)) reached++;
  }
  if (process.env["FUZZ_SHOW"]) console.log(`${reached} of ${seeds} reached the last message`);
  assert.ok(reached >= seeds / 8, `${reached} of ${seeds} streams reached the last message`);
});
