/**
 * What a Node hub does with a framework client that breaks the WebSocket protocol or a limit, frame
 * by frame from a raw socket: the close code and reason it sends, that the connection then ends,
 * what its logger says, and that it serves on. On Node `ws` decides all of these (its Receiver),
 * also now that crossipc reads the usual frames itself (adapters/_node-read-frames.ts): this table
 * is what main did before that change, and must stay so.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { startServer, waitFor } from "./_helpers.ts";
import { frame, rawPeer } from "../fixtures/_rawPeer.ts";

const echo = IPCServer.defineRequest<unknown, unknown>("echo");

/** `bytes` with `bits` set in the first header byte (the reserved bits). */
function withBits(bytes: Buffer, bits: number): Buffer {
  const out = Buffer.from(bytes);
  out[0]! |= bits;
  return out;
}

/** A client frame whose 64-bit length says `high` × 2^32 + `low` bytes, with no payload after it. */
function claimedLength(high: number, low: number): Buffer {
  const head = Buffer.from([0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  head.writeUInt32BE(high, 2);
  head.writeUInt32BE(low, 6);
  return head;
}

const request = (n: number, value: string = String(n)) => `r:${n}:echo:${JSON.stringify(value)}`;
const answer = (n: number, value: string = String(n)) => `s:${n}:echo:${JSON.stringify({ success: true, data: value })}`;
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));

interface Outcome {
  /** Text frames the client got before the close frame. */
  answers: string[];
  /** The server's close frame: code and reason; `none` when it sent none. */
  close: string;
  /** The TCP connection ended once the client answered the close. */
  ended: boolean;
  /** What the server's logger said about this connection, in order. */
  logs: string[];
}

const disconnected = "debug: [crossipc] Client disconnected: <the client>";
const warn = (message: string) => `warn: [crossipc] ${message}`;
/** `ws`'s error event, which crossws hands to the server's `error` hook, and the disconnect it brings. */
const wsError = (error: string) => [`debug: [crossipc] WebSocket error: ${error}`, disconnected];

// maxMessageSize (the framework path's limit) 1,024 B; the runtime's (`ws`'s maxPayload) 3,000 B.
const cases: Array<[what: string, sent: Buffer[], expected: Outcome]> = [
  ["a data frame with opcode 3", [frame(3, "x")], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid opcode 3") }],
  ["a control frame with opcode 11", [frame(11, "")], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid opcode 11") }],
  ["RSV1 set on a text frame", [withBits(frame(1, request(1)), 0x40)], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: RSV1 must be clear") }],
  ["RSV2 set", [withBits(frame(1, request(1)), 0x20)], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: RSV2 and RSV3 must be clear") }],
  ["RSV3 set", [withBits(frame(1, request(1)), 0x10)], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: RSV2 and RSV3 must be clear") }],
  ["an unmasked text frame", [frame(1, request(1), { masked: false })], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: MASK must be set") }],
  ["a fragmented ping", [frame(9, "p", { fin: false })], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: FIN must be set") }],
  ["a ping of 126 bytes", [frame(9, "p".repeat(126))], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid payload length 126") }],
  ["a close frame of one byte", [frame(8, Buffer.from([3]))], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid payload length 1") }],
  ["a close frame with code 999", [frame(8, Buffer.from([3, 231]))], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid status code 999") }],
  ["a close reason that is not UTF-8", [frame(8, Buffer.from([3, 232, 0xff]))], { answers: [], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["a short text that is not UTF-8", [frame(1, bytes("r:", [0xff]))], { answers: [], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["an overlong encoding in a 60-byte text", [frame(1, bytes(`r:1:echo:"${"a".repeat(46)}`, [0xc0, 0x80], '"'))], { answers: [], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["an encoded surrogate", [frame(1, bytes('r:1:echo:"', [0xed, 0xa0, 0x80], '"'))], { answers: [], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["a request, then text that is not UTF-8, in one write", [Buffer.concat([frame(1, request(1)), frame(1, bytes('r:2:echo:"', [0xfe], '"')), frame(1, request(3))])], { answers: [answer(1)], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["UTF-8 broken across two fragments", [Buffer.concat([frame(1, bytes("r:", [0xe2]), { fin: false }), frame(0, Buffer.from([0x28, 0xa1]))])], { answers: [], close: "1007 ''", ended: true, logs: wsError("Error: Invalid WebSocket frame: invalid UTF-8 sequence") }],
  ["a continuation with no message", [frame(0, "x")], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid opcode 0") }],
  ["a text frame inside a fragmented message", [Buffer.concat([frame(1, "r:1:", { fin: false }), frame(1, request(2))])], { answers: [], close: "1002 ''", ended: true, logs: wsError("RangeError: Invalid WebSocket frame: invalid opcode 1") }],
  ["a request over the framework limit, within ws's", [frame(1, request(1, "x".repeat(2000)))], { answers: [], close: "1009 'Message too big'", ended: true, logs: [warn("Framework message over the 1024-byte limit: closing that connection"), disconnected] }],
  ["a request over ws's limit", [frame(1, request(1, "x".repeat(3500)))], { answers: [], close: "1009 ''", ended: true, logs: wsError("RangeError: Max payload size exceeded") }],
  ["a request of ws's limit and one byte, in fragments", [Buffer.concat([frame(1, "x".repeat(1500), { fin: false }), frame(0, "x".repeat(1501))])], { answers: [], close: "1009 ''", ended: true, logs: wsError("RangeError: Max payload size exceeded") }],
  ["a 64-bit length past 2^53", [claimedLength(0x20_0000, 0)], { answers: [], close: "1009 ''", ended: true, logs: wsError("RangeError: Unsupported WebSocket frame: payload length > 2^53 - 1") }],
  ["a 64-bit length of 4 GiB", [claimedLength(1, 0)], { answers: [], close: "1009 ''", ended: true, logs: wsError("RangeError: Max payload size exceeded") }],
  ["a request after the client's close frame, in the same write", [Buffer.concat([frame(8, Buffer.from([3, 232])), frame(1, request(1))])], { answers: [], close: "1000 ''", ended: true, logs: [disconnected] }],
  ["a request after the client's close frame, in a later write", [frame(8, Buffer.from([3, 232])), frame(1, request(1))], { answers: [], close: "1000 ''", ended: true, logs: [disconnected] }],
  ["a binary frame, then a request", [Buffer.concat([frame(2, Buffer.from([1, 2, 3])), frame(1, request(1))])], { answers: [answer(1)], close: "none", ended: true, logs: [warn("Binary frame ignored on the framework connection: the IPC protocol uses text frames"), disconnected] }],
];

test("a framework client that breaks the protocol or a limit is closed with ws's code, the connection ends, and the hub serves on", async (t) => {
  const logs: string[] = [];
  const logger = Object.fromEntries((["debug", "info", "warn", "error"] as const).map((level) => [level, (message: string) => void logs.push(`${level}: ${message}`)]));
  const server = await startServer(t, { maxMessageSize: 1024, maxProxyMessageSize: 3000, logger });
  server.onFrameworkMessage(echo, (x) => x);
  const gone = new Map<string, string>();
  server.onClientDisconnect((clientId, runtimeId) => void gone.set(runtimeId!, clientId));
  const seen: Array<[string, Outcome]> = [];
  for (const [i, [what, sent, expected]] of cases.entries()) {
    const runtimeId = `case-${i}`;
    const peer = await rawPeer(server.getPort(), runtimeId);
    logs.length = 0;
    for (const bytes of sent) {
      peer.socket.write(bytes);
      // Each its own read on the server: a later write goes after the server took the earlier one.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    let ended = false;
    void peer.closed.then(() => (ended = true));
    // Until the server's close frame; where it sends none, until its answers.
    const arrived = expected.close === "none" ? () => peer.texts().length >= expected.answers.length : () => peer.frames.some((f) => f.opcode === 8);
    await peer.until(arrived);
    const closeFrame = peer.frames.find((f) => f.opcode === 8);
    // As a client does: its own close frame, then the end of its side.
    peer.socket.end(frame(8, Buffer.from([3, 232])));
    await waitFor(() => ended, `${what}: the connection's end`);
    await waitFor(() => gone.has(runtimeId), `${what}: the hub's disconnect`);
    await new Promise((resolve) => setImmediate(resolve));
    const close = closeFrame ? `${closeFrame.payload.readUInt16BE(0)} '${closeFrame.payload.subarray(2).toString()}'` : "none";
    seen.push([what, { answers: peer.texts(), close, ended, logs: logs.map((line) => line.replace(gone.get(runtimeId)!, "<the client>")) }]);
    if (process.env["SHOW"]) console.log(JSON.stringify(seen.at(-1)));
  }
  assert.deepEqual(seen, cases.map(([what, , expected]) => [what, expected]));
  // No crash: a new client is served.
  const after = await rawPeer(server.getPort(), "after");
  after.socket.write(frame(1, request(1)));
  await after.until(() => after.texts().length === 1);
  assert.deepEqual(after.texts(), [answer(1)]);
  after.socket.destroy();
});
