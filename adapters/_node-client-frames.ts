/**
 * A client's small framework frames on Node, framed and masked here and written to the TCP socket
 * under its `ws` WebSocket as one buffer: the client's side of `sendText` in ./_node-frames.ts.
 *
 * `ws.send` makes two options objects, turns the text into a Buffer, masks it, makes a header
 * Buffer, and writes the two with cork, two writes and uncork (a `writev`); here it is one Buffer
 * and one write (bench/ANALYSIS.md, "Session 23"). The bytes differ from `ws`'s only in the mask,
 * which is random per frame as `ws`'s is (RFC 6455 §5.3: from a strong source of entropy).
 */
import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";

/** The part of a client `ws` WebSocket used here (`ws`'s own fields). */
interface WsClient {
  readonly readyState: number;
  readonly _socket?: { write(bytes: Uint8Array): unknown } | null;
  readonly _sender?: { _state?: number; _queue?: unknown[] };
}

const OPEN = 1;
/** `ws`'s sender state when it holds nothing back (no compression or blob in progress). */
const SENDER_IDLE = 0;
/**
 * Texts this long or shorter are written here: their frames, at most 3 bytes per UTF-16 unit and
 * 8 of header and mask, stay under 4 KiB and come from Buffer's pool on Node 20 and 24. Measured
 * per frame on a loopback socket, both ends in one process (bench/ANALYSIS.md, "Session 24"):
 * from 800 to 2,000 units this path took 0.95× `ws.send`'s CPU without `bufferutil` and
 * 0.98–1.01× with it (`ws` then masks natively); the bound was 800 while the mask went a byte at a
 * time here.
 */
const SMALL_TEXT = 1362;

/** Random bytes for masks, refilled when used up: one `randomFillSync` per 2,048 frames, as `ws` pools its own. */
const MASKS = 8 * 1024;
const masks = Buffer.alloc(MASKS);
let maskAt = MASKS;

/** A masked client text frame (RFC 6455 §5.2) holding `text`, in one buffer. */
export function maskedTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerBytes = length < 126 ? 6 : length < 0x10000 ? 8 : 14;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 0x10000) {
    frame[1] = 0x80 | 126;
    frame[2] = length >> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  if (maskAt === MASKS) {
    randomFillSync(masks);
    maskAt = 0;
  }
  const m0 = (frame[headerBytes - 4] = masks[maskAt]!);
  const m1 = (frame[headerBytes - 3] = masks[maskAt + 1]!);
  const m2 = (frame[headerBytes - 2] = masks[maskAt + 2]!);
  const m3 = (frame[headerBytes - 1] = masks[maskAt + 3]!);
  maskAt += 4;
  frame.write(text, headerBytes);
  maskPayload(frame, headerBytes, headerBytes + length, m0, m1, m2, m3);
  return frame;
}

/**
 * Payloads this long or longer are masked four bytes at a time: below it, making the word view
 * costs more than the bytes it saves (measured: bench/ANALYSIS.md, "Session 24").
 */
const WORDS_FROM = 800;
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** XORs `frame[from, end)` with the mask `m0 m1 m2 m3`, its first byte at `from`. */
function maskPayload(frame: Buffer, from: number, end: number, m0: number, m1: number, m2: number, m3: number): void {
  let i = from;
  if (end - from >= WORDS_FROM) {
    // Bytes up to a 4-byte boundary of the memory (a Typed Array of words must start on one; a
    // pooled Buffer starts on any multiple of 8, and the header is 6, 8 or 14 bytes)...
    for (; (frame.byteOffset + i) & 3; i++) frame[i] = frame[i]! ^ maskByte(i - from, m0, m1, m2, m3);
    // ...then whole words, as signed 32-bit integers (no doubles), the mask turned to the phase
    // the boundary falls on...
    const phase = i - from;
    const b0 = maskByte(phase, m0, m1, m2, m3);
    const b1 = maskByte(phase + 1, m0, m1, m2, m3);
    const b2 = maskByte(phase + 2, m0, m1, m2, m3);
    const b3 = maskByte(phase + 3, m0, m1, m2, m3);
    const key = littleEndian ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    const words = (end - i) >> 2;
    const view = wordsOf(frame.buffer);
    const first = (frame.byteOffset + i) >> 2;
    for (let w = first; w < first + words; w++) view[w] = view[w]! ^ key;
    i += words << 2;
  } else {
    for (; i + 4 <= end; i += 4) {
      frame[i] = frame[i]! ^ m0;
      frame[i + 1] = frame[i + 1]! ^ m1;
      frame[i + 2] = frame[i + 2]! ^ m2;
      frame[i + 3] = frame[i + 3]! ^ m3;
    }
  }
  // ...and the last bytes.
  for (; i < end; i++) frame[i] = frame[i]! ^ maskByte(i - from, m0, m1, m2, m3);
}

/** The Buffer pool's memory as words, made once per pool (~50 small frames) rather than once per frame. */
let poolWords: Int32Array | undefined;

function wordsOf(memory: ArrayBufferLike): Int32Array {
  if (poolWords?.buffer === memory) return poolWords;
  const view = new Int32Array(memory, 0, memory.byteLength >> 2);
  // Only a pool's is kept: a large frame's own memory is let go with the frame.
  if (memory.byteLength === Buffer.poolSize) poolWords = view;
  return view;
}

function maskByte(index: number, m0: number, m1: number, m2: number, m3: number): number {
  const k = index & 3;
  return k === 0 ? m0 : k === 1 ? m1 : k === 2 ? m2 : m3;
}

/**
 * Writes `text` as one masked frame straight to the socket of `ws` (a client WebSocket of the
 * `ws` package) and returns true, or returns false and writes nothing: another WebSocket, a long
 * text, or `ws` not writing at once itself (not open, its sender holding frames back), where the
 * caller sends with `ws.send` so frames keep their order with `ws`'s own (pings, the close frame).
 */
export function sendTextNodeClient(ws: unknown, text: string): boolean {
  const client = ws as WsClient;
  const socket = client._socket;
  const sender = client._sender;
  if (text.length > SMALL_TEXT || !socket || client.readyState !== OPEN || sender?._state !== SENDER_IDLE || sender._queue?.length !== 0) return false;
  socket.write(maskedTextFrame(text));
  return true;
}
