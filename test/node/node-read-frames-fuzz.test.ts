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
import { BAD_UTF8, cut, fragmented, frame, random, utf8Of as utf8OfText, type FrameOptions, type Random } from "../fixtures/_fuzz.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

const request = (n: number, value: string) => `r:${n}:echo:${JSON.stringify(value)}`;
const SIZES = [0, 1, 125, 126, 1024, 1025, 65536];
const TEXT = ["a", "é", "€", "😀", " ", "\uFFFD", "\\", '"'];
const utf8Of = (r: Random, n: number) => utf8OfText(r, n, TEXT);

/** A request whose frame payload is `bytes` long (or as near as its fixed part allows). */
function requestOf(r: Random, id: number, bytes: number): string {
  const fixed = Buffer.byteLength(request(id, ""));
  return request(id, utf8Of(r, Math.max(0, bytes - fixed)).replace(/["\\]/g, "a"));
}

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
    return fragmented(r, text, frame, opts);
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
