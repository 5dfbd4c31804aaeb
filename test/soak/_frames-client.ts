/**
 * One client of the frame stress (`_frames-stress.ts`, test/soak/README.md), under node, bun or
 * deno: a framework connection over plain TCP (`node:net`) that writes its own masked frames.
 *   _frames-client.ts PORT NAME echo SECONDS   text messages of every size the stress covers, 1
 *       and 64 in flight in turn, each batch written whole or cut into pieces with pauses
 *       (headers too), every answer checked byte for byte; prints one JSON line at the end.
 *   _frames-client.ts PORT NAME victim         writes the same frames in pieces until killed.
 * Each message carries its sender's name and id throughout, so a buffer shared wrongly shows as
 * an answer holding another message's bytes. Not part of the suite.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";
import { handshake } from "../fixtures/_silentPeer.ts";

const [portArg, name = "c", mode = "echo", secondsArg = "60"] = process.argv.slice(2);
const port = Number(portArg);
const KiB = 1024;
/** Text message sizes in bytes: each frame-length form and its edges, the front's kept-buffer edge (128 KiB) and past it. */
const SIZES = [1, 125, 126, 65535, 65536, 100 * KiB, 128 * KiB, 128 * KiB + 1, 1024 * KiB];

const socket = net.connect(port, "127.0.0.1");
socket.setNoDelay(true);
socket.on("error", () => {});
const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
let isClosed = false;
void closed.then(() => (isClosed = true));

// --- reading the server's frames (unmasked) ---------------------------------------------------
let chunks: Buffer[] = [];
let have = 0;
let need = 2;
let upgraded = false;
let head = "";
const onText: Array<(payload: Buffer) => void> = [];
let closeCode: number | undefined;
/** Pongs wait while a batch is being written in pieces: a frame of ours may not be cut by one. */
let writingPieces = false;
const heldPongs: Buffer[] = [];

function onFrame(opcode: number, payload: Buffer): void {
  if (opcode === 1) for (const f of onText) f(payload);
  else if (opcode === 9) {
    const pong = frame(10, payload);
    if (writingPieces) heldPongs.push(pong);
    else socket.write(pong);
  } else if (opcode === 8) closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
}

function parse(): void {
  while (have >= need) {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    chunks = [all];
    const len7 = all[1]! & 0x7f;
    const headerBytes = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
    if (all.length < headerBytes) {
      need = headerBytes;
      continue;
    }
    const length = len7 === 126 ? all.readUInt16BE(2) : len7 === 127 ? Number(all.readBigUInt64BE(2)) : len7;
    if (all.length < headerBytes + length) {
      need = headerBytes + length;
      continue;
    }
    onFrame(all[0]! & 0x0f, Buffer.from(all.subarray(headerBytes, headerBytes + length)));
    const rest = all.subarray(headerBytes + length);
    chunks = rest.length ? [rest] : [];
    have = rest.length;
    need = 2;
  }
}

await new Promise<void>((resolve, reject) => {
  socket.on("data", (chunk: Buffer) => {
    if (!upgraded) {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
      upgraded = true;
      const rest = Buffer.from(head.slice(end + 4), "latin1");
      if (rest.length) (chunks.push(rest), (have += rest.length));
      resolve();
      return parse();
    }
    chunks.push(chunk);
    have += chunk.length;
    parse();
  });
  socket.once("close", () => reject(new Error("closed before the upgrade")));
  socket.write(handshake(port, `/__ggFrameworkConnection?runtimeId=${name}`, {}));
});

// --- writing ------------------------------------------------------------------------------------
/** A client frame, masked with a random key. */
function frame(opcode: number, body: Buffer): Buffer {
  const length = body.length;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerBytes + 4 + length);
  out[0] = 0x80 | opcode;
  if (length < 126) out[1] = 0x80 | length;
  else if (length < 0x10000) (out[1] = 0x80 | 126, out.writeUInt16BE(length, 2));
  else (out[1] = 0x80 | 127, out.writeUInt32BE(0, 2), out.writeUInt32BE(length, 6));
  const mask = out.subarray(headerBytes, headerBytes + 4);
  for (let i = 0; i < 4; i++) mask[i] = (Math.random() * 256) | 0;
  const at = headerBytes + 4;
  for (let i = 0; i < length; i++) out[at + i] = body[i]! ^ mask[i & 3]!;
  return out;
}

/** `n` bytes of text naming this message throughout (a two-byte character in each unit). */
function fill(n: number, tag: string): string {
  const unit = `\u00e9${tag};`;
  const unitBytes = Buffer.byteLength(unit);
  return unit.repeat(Math.floor(n / unitBytes)) + "-".repeat(n % unitBytes);
}

let nextId = 1;
/** A request of exactly `size` bytes and the answer it must get (none for a message too short to be a request: the hub drops it). */
function message(size: number): { id: number; bytes: Buffer; answer?: Buffer } {
  const id = nextId++;
  const prefix = `r:${id}:soak/echo:`;
  const fillBytes = size - Buffer.byteLength(prefix) - 2;
  if (fillBytes < 0) return { id, bytes: Buffer.from("x".repeat(size)) };
  const data = fill(fillBytes, `${name}#${id}`);
  const text = prefix + JSON.stringify(data);
  if (Buffer.byteLength(text) !== size) throw new Error(`built ${Buffer.byteLength(text)} bytes for ${size}`);
  return { id, bytes: Buffer.from(text), answer: Buffer.from(`s:${id}:soak/echo:${JSON.stringify({ success: true, data })}`) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `stream` whole, or cut at random places (some in frame headers) with pauses between the pieces. */
async function send(stream: Buffer, frameStarts: number[]): Promise<string> {
  const how = Math.random();
  if (how < 0.3) {
    socket.write(stream);
    return "whole";
  }
  const cuts = new Set<number>();
  const pieces = 2 + Math.floor(Math.random() * 30);
  for (let k = 0; k < pieces; k++) cuts.add(1 + Math.floor(Math.random() * (stream.length - 1)));
  // Inside headers: after the first byte, inside a 16- or 64-bit length, inside the mask.
  for (const start of frameStarts) if (Math.random() < 0.3) cuts.add(start + 1 + Math.floor(Math.random() * 9));
  const sorted = [...cuts].filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b);
  writingPieces = true;
  let from = 0;
  for (const cut of [...sorted, stream.length]) {
    socket.write(stream.subarray(from, cut));
    from = cut;
    if (cut < stream.length) await pause(Math.random() < 0.5 ? 0 : 1 + Math.floor(Math.random() * 6));
  }
  writingPieces = false;
  for (const pong of heldPongs.splice(0)) socket.write(pong);
  return "pieces";
}

function batch(inFlight: number): ReturnType<typeof message>[] {
  const out: ReturnType<typeof message>[] = [];
  let big = 0;
  for (let k = 0; k < inFlight; k++) {
    let size = SIZES[Math.floor(Math.random() * SIZES.length)]!;
    // At most two 1 MiB messages in a batch: the machine is shared.
    if (size === 1024 * KiB && ++big > 2) size = 128 * KiB + 1;
    out.push(message(size));
  }
  return out;
}

function stream(messages: ReturnType<typeof message>[]): { bytes: Buffer; starts: number[] } {
  const frames = messages.map((m) => frame(1, m.bytes));
  const starts: number[] = [];
  let at = 0;
  for (const f of frames) (starts.push(at), (at += f.length));
  return { bytes: Buffer.concat(frames), starts };
}

if (mode === "victim") {
  // Killed at some point by the driver, most likely part-way through a frame.
  console.log("ready");
  for (;;) {
    const { bytes, starts } = stream(batch(1 + Math.floor(Math.random() * 8)));
    await send(bytes, starts);
  }
}

// --- echo: batches of 1 and 64 in flight, every answer checked ---------------------------------
const mismatches: string[] = [];
const expected = new Map<number, Buffer>();
let answered = 0;
let unexpected = 0;
let waiter: (() => void) | undefined;
onText.push((payload) => {
  const idEnd = payload.indexOf(":", 2);
  const id = Number(payload.subarray(2, idEnd).toString("latin1"));
  const want = expected.get(id);
  if (!want) {
    unexpected++;
    if (mismatches.length < 20) mismatches.push(`answer for no request of ours: ${payload.subarray(0, 80).toString()}`);
  } else {
    expected.delete(id);
    if (!want.equals(payload)) {
      let diff = 0;
      while (diff < Math.min(want.length, payload.length) && want[diff] === payload[diff]) diff++;
      if (mismatches.length < 20) mismatches.push(`id ${id}: ${payload.length} bytes for ${want.length}, first difference at ${diff}: got ${JSON.stringify(payload.subarray(diff, diff + 40).toString())} for ${JSON.stringify(want.subarray(diff, diff + 40).toString())}`);
    }
    answered++;
  }
  if (expected.size === 0) waiter?.();
});
const allAnswered = (ms: number) =>
  new Promise<boolean>((resolve) => {
    if (expected.size === 0) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    waiter = () => (clearTimeout(timer), resolve(true));
    void closed.then(() => (clearTimeout(timer), resolve(false)));
  });

const end = Date.now() + Number(secondsArg) * 1000;
let batches = 0;
let sent = 0;
let dropped = 0;
let bytesSent = 0;
let stuck = 0;
const ways: Record<string, number> = {};
while (Date.now() < end && !isClosed) {
  const inFlight = batches % 2 ? 64 : 1;
  const messages = batch(inFlight);
  for (const m of messages) {
    if (m.answer) expected.set(m.id, m.answer);
    else dropped++;
    bytesSent += m.bytes.length;
  }
  sent += messages.length;
  const { bytes, starts } = stream(messages);
  const way = await send(bytes, starts);
  ways[way] = (ways[way] ?? 0) + 1;
  if (!(await allAnswered(120_000))) {
    stuck++;
    if (mismatches.length < 20) mismatches.push(`batch ${batches}: ${expected.size} of ${messages.length} unanswered (${isClosed ? `closed, code ${closeCode}` : "open"})`);
    expected.clear();
  }
  batches++;
}
console.log(JSON.stringify({ name, runtime: (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node", batches, sent, answered, droppedByHub: dropped, MiB: Math.round(bytesSent / 1048576), ways, stuck, unexpected, closed: isClosed ? closeCode ?? "no close frame" : false, mismatches }));
socket.end();
await Promise.race([closed, pause(2000)]);
process.exit(0);
