/**
 * A differential fuzz of the Node server's own frame reader (adapters/_node-read-frames.ts): the
 * same random client byte streams, cut into the same random reads, go to two real servers, one
 * reading the usual frames itself and one leaving every frame to `ws` (as before that reader). For
 * every stream a client can send, both must answer with the same bytes, close with the same code and
 * reason, end the connection alike and log the same lines.
 *
 * Seeds are fixed (FUZZ_SEEDS=n and FUZZ_FROM=k run others locally); a failure names its seed.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { IPCServer, type IPCServerOptions } from "../../adapters/node.ts";
import { wsReadsAllOnPorts } from "../../adapters/_node-read-frames.ts";
import { rawPeer, type Frame } from "../fixtures/_rawPeer.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

/** A small deterministic generator (mulberry32): the same seed, the same streams and cuts. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}
type Random = ReturnType<typeof random>;

interface FrameOptions {
  fin?: boolean;
  masked?: boolean;
  /** Reserved bits, as they stand in the first byte (0x40, 0x20, 0x10). */
  rsv?: number;
  /** The length's form: 7-bit where it fits, else 16-bit, else 64-bit; or one forced (longer forms are valid). */
  form?: 7 | 16 | 64;
  mask?: Buffer;
}

/** One client frame: any opcode, bits, length form and mask. */
function frame(opcode: number, payload: string | Uint8Array, { fin = true, masked = true, rsv = 0, form, mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]) }: FrameOptions = {}): Buffer {
  const body = Buffer.from(payload);
  const length = body.length;
  const use = form ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const head = use === 7 ? Buffer.from([0, length]) : use === 16 ? Buffer.from([0, 126, length >> 8, length & 0xff]) : Buffer.alloc(10);
  if (use === 64) {
    head[1] = 127;
    head.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    head.writeUInt32BE(length >>> 0, 6);
  }
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  if (!masked) return Buffer.concat([head, body]);
  head[1]! |= 0x80;
  for (let i = 0; i < length; i++) body[i] = body[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

const request = (n: number, value: string) => `r:${n}:echo:${JSON.stringify(value)}`;
const SIZES = [0, 1, 125, 126, 1024, 1025, 65536];
const TEXT = ["a", "é", "€", "😀", " ", "\uFFFD", "\\", '"'];

/** `n` bytes of valid UTF-8 (mixed widths), for payloads of exact sizes. */
function utf8Of(r: Random, n: number): string {
  let out = "";
  let left = n;
  while (left > 0) {
    const s = r.pick(TEXT.filter((c) => Buffer.byteLength(c) <= left));
    out += s;
    left -= Buffer.byteLength(s);
  }
  return out;
}

/** A request whose frame payload is `bytes` long (or as near as its fixed part allows). */
function requestOf(r: Random, id: number, bytes: number): string {
  const fixed = Buffer.byteLength(request(id, ""));
  return request(id, utf8Of(r, Math.max(0, bytes - fixed)).replace(/["\\]/g, "a"));
}

/** Bytes that are not UTF-8: a lone continuation byte, an overlong form, a surrogate, a cut sequence, 0xff. */
const BAD_UTF8 = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x28], [0xff], [0xf4, 0x90, 0x80, 0x80]];

/** One random piece of a client stream: one or more frames; what a client sends, or (`breaks`) mostly a break of the protocol or a limit. */
function piece(r: Random, ids: { next: number }, breaks: boolean): Buffer[] {
  const mask = () => Buffer.from([r.int(256), r.int(256), r.int(256), r.int(256)]);
  const opts = (o: FrameOptions = {}): FrameOptions => ({ mask: r.int(4) === 0 ? Buffer.alloc(4) : mask(), form: r.int(8) === 0 ? r.pick([16, 64] as const) : undefined, ...o });
  const id = () => ids.next++;
  // An unmasked frame and an unfinished message are each one break in 6 (more than their share): only a read of
  // usual frames up to the one, or a read that starts with a request after the other, shows what a reader checks.
  const roll = breaks ? r.pick([84, 90, 82 + r.int(18), 82 + r.int(18), 82 + r.int(18), 82 + r.int(18)]) : r.int(82);
  if (roll < 40) {
    const value = r.int(3) === 0 ? utf8Of(r, r.int(40)) : "x".repeat(r.int(5));
    return [frame(1, request(id(), value), opts())];
  }
  if (roll < 50) return [frame(1, requestOf(r, id(), r.pick(SIZES.concat([200, 255, 256, 257, 1000, 1023, 3000]))), opts())];
  if (roll < 58) {
    // A request in fragments, maybe with a ping or a pong between them.
    const text = Buffer.from(request(id(), utf8Of(r, r.int(60))));
    const cuts = [0, ...Array.from({ length: 1 + r.int(3) }, () => r.int(text.length + 1)).sort((a, b) => a - b), text.length];
    const out: Buffer[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      out.push(frame(i === 0 ? 1 : 0, text.subarray(cuts[i], cuts[i + 1]), opts({ fin: i + 2 === cuts.length })));
      if (i + 2 < cuts.length && r.int(3) === 0) out.push(frame(r.pick([9, 10]), "mid", opts()));
    }
    return out;
  }
  if (roll < 66) return [frame(9, utf8Of(r, r.int(3) === 0 ? r.pick([0, 125]) : r.int(20)), opts())];
  if (roll < 71) return [frame(10, utf8Of(r, r.int(20)), opts())];
  if (roll < 73) return [frame(2, Buffer.alloc(r.pick(SIZES), 7), opts())];
  // Binary that holds a whole request frame (mask 0: the same bytes on the wire), for a read that starts at its payload.
  if (roll < 75) return [frame(2, frame(1, request(id(), "inside")), opts({ mask: Buffer.alloc(4) }))];
  if (roll < 78) return [frame(1, utf8Of(r, r.pick(SIZES)), opts())];
  if (roll < 80) return [frame(1, request(id(), "a \uFFFD sent as such"), opts())];
  if (roll < 82) {
    const bad = Buffer.concat([Buffer.from('r:1:echo:"'), Buffer.from(r.pick(BAD_UTF8)), Buffer.from("x".repeat(r.int(80))), Buffer.from('"')]);
    return [frame(1, bad, opts())];
  }
  if (roll < 84) return [frame(1, request(id(), "rsv"), opts({ rsv: r.pick([0x40, 0x20, 0x10]) }))];
  if (roll < 86) {
    // Then an unmasked continuation: ASCII bytes only, so that a reader taking the first frame for masked would read text.
    return [frame(1, request(id(), "unmasked"), opts({ masked: false })), frame(0, "more".repeat(r.int(30)), { fin: false, masked: false })];
  }
  if (roll < 88) return [frame(r.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), "x", opts())];
  if (roll < 89) return [frame(0, "lone continuation", opts())];
  if (roll < 90) return [frame(9, "p".repeat(126), opts())];
  if (roll < 91) return [frame(1, "half", opts({ fin: false }))];
  if (roll < 95) {
    // The client's close frame mid-stream; whatever follows it must be read by nobody.
    const code = r.pick([1000, 1001, 3000, 4999, 999, 1005]);
    const reason = r.int(2) === 0 ? Buffer.alloc(0) : r.int(4) === 0 ? Buffer.from([0xff]) : Buffer.from("bye");
    const payload = r.int(8) === 0 ? Buffer.alloc(r.pick([0, 1])) : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
    return [frame(8, payload, opts())];
  }
  return [frame(1, request(id(), "v".repeat(r.pick([100, 1000, 2000]))), opts())];
}

/** A client frame's header and mask bytes. */
function headerBytes(f: Buffer): number {
  const len7 = f[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (f[1]! & 0x80 ? 4 : 0);
}

/**
 * The reads a stream is written in: whole, frame by frame, a byte at a time (short streams), cut at
 * random places, or at some frame boundaries (reads of several whole frames, each starting a frame,
 * where the reader looks at most) and some ends of headers, or with random cuts as well.
 */
function cut(r: Random, frames: Buffer[]): Buffer[] {
  const bytes = Buffer.concat(frames);
  const mode = r.int(6);
  if (mode === 0) return [bytes];
  const at = new Set<number>();
  if (mode === 1 || mode >= 4) {
    let end = 0;
    for (const f of frames) {
      // Now and then right after a frame's header and mask, so that the next read starts at its payload.
      if (mode === 4 && r.int(3) === 0) at.add(end + headerBytes(f));
      if ((end += f.length) && (mode === 1 || r.int(2) === 0)) at.add(end);
    }
  }
  if (mode === 2 && bytes.length <= 300) for (let i = 1; i < bytes.length; i++) at.add(i);
  else if (mode === 2 || mode === 3 || mode === 5) for (let i = 0; i < 1 + r.int(12); i++) at.add(1 + r.int(Math.max(1, bytes.length - 1)));
  const ends = [...at].filter((n) => n > 0 && n < bytes.length).sort((a, b) => a - b);
  const reads: Buffer[] = [];
  let start = 0;
  for (const end of [...ends, bytes.length]) {
    reads.push(bytes.subarray(start, end));
    start = end;
  }
  return reads;
}

/** maxMessageSize for the framework path, maxProxyMessageSize past it: small, at the reader's 1 KiB, and the defaults. */
const LIMITS: IPCServerOptions[] = [{ maxMessageSize: 100, maxProxyMessageSize: 100 }, { maxMessageSize: 1024, maxProxyMessageSize: 3000 }, { maxMessageSize: 1023 }, {}];

interface Outcome {
  /** Every frame the client got: opcode, FIN and payload. */
  frames: string[];
  ended: boolean;
  logs: string[];
}

const END = 999_999;

/** Sends `reads` to a fresh server (its reader on or off) after a real upgrade, then a last request, and tells what happened. */
async function run(limits: IPCServerOptions, reads: Buffer[], readerOn: boolean): Promise<Outcome> {
  const logs: string[] = [];
  const logger = Object.fromEntries((["debug", "info", "warn", "error"] as const).map((level) => [level, (message: string) => void logs.push(`${level}: ${message}`)]));
  const server = new IPCServer(0, { ...limits, logger });
  if (!(await server.start())) throw new Error("could not start the server");
  const port = server.getPort();
  if (!readerOn) wsReadsAllOnPorts.add(port);
  try {
    server.onFrameworkMessage(echo, (x) => x);
    let clientId: string | undefined;
    let gone = false;
    server.onClientDisconnect((id) => {
      clientId = id;
      gone = true;
    });
    logs.length = 0;
    const peer = await rawPeer(port, "fuzz");
    let ended = false;
    void peer.closed.then(() => (ended = true));
    for (const [i, bytes] of reads.entries()) {
      peer.socket.write(bytes);
      // A gap, so that the server reads each write on its own.
      if (i + 1 < reads.length) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    peer.socket.write(frame(1, request(END, "end")));
    // Until the last request's answer, the server's close frame, or the connection's end.
    const last = `s:${END}:`;
    const done = () => ended || peer.frames.some((f) => f.opcode === 8 || (f.opcode === 1 && f.payload.toString().startsWith(last)));
    const settled = Promise.race([peer.closed, peer.until(done)]);
    await Promise.race([settled, new Promise((_, reject) => setTimeout(() => reject(new Error("no answer, close or end in 10 s")), 10_000).unref())]);
    // As a client does: its close frame, then the end of its side.
    if (!ended) peer.socket.end(frame(8, Buffer.from([3, 232])));
    await Promise.race([peer.closed, new Promise((_, reject) => setTimeout(() => reject(new Error("the connection did not end in 10 s")), 10_000).unref())]);
    for (let i = 0; i < 1000 && !gone; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setImmediate(resolve));
    const show = (f: Frame) => `${f.opcode}${f.fin ? "" : " (not final)"} ${f.payload.length} ${f.opcode === 2 ? f.payload.toString("hex") : JSON.stringify(f.payload.toString("latin1"))}`;
    return { frames: peer.frames.map(show), ended, logs: logs.map((line) => (clientId ? line.replaceAll(clientId, "<client>") : line)) };
  } finally {
    wsReadsAllOnPorts.delete(port);
    await server.teardown();
  }
}

/** Seed `seed`'s stream, its reads and the server's limits. */
function streamOf(seed: number): { limits: IPCServerOptions; reads: Buffer[] } {
  const r = random(seed);
  const limits = r.pick(LIMITS);
  const ids = { next: 1 };
  const frames: Buffer[] = [];
  // Half the streams break the protocol or a limit once, anywhere (the rest after it is the server's to ignore).
  const n = 1 + r.int(16);
  const breakAt = r.int(2) === 0 ? r.int(n) : -1;
  for (let i = 0; i < n; i++) frames.push(...piece(r, ids, i === breakAt));
  return { limits, reads: cut(r, frames) };
}

const seeds = Number(process.env["FUZZ_SEEDS"] ?? 120);
const from = Number(process.env["FUZZ_FROM"] ?? 1);

test(`${seeds} random client streams, cut into random reads: the server with its own frame reader answers, closes and logs as ws alone does`, async () => {
  let answered = 0;
  for (let seed = from; seed < from + seeds; seed++) {
    const { limits, reads } = streamOf(seed);
    const [on, off] = await Promise.all([run(limits, reads.map((b) => Buffer.from(b)), true), run(limits, reads.map((b) => Buffer.from(b)), false)]);
    assert.deepEqual(on, off, `seed ${seed} (limits ${JSON.stringify(limits)}, ${reads.length} reads)`);
    if (off.frames.some((f) => f.startsWith("1 ") && f.includes(`s:${END}:`))) answered++;
  }
  // Not only streams that broke the protocol early: many reached the last request.
  if (process.env["FUZZ_SHOW"]) console.log(`${answered} of ${seeds} reached the last request`);
  assert.ok(answered >= seeds / 8, `${answered} of ${seeds} streams reached the last request`);
});
