/**
 * How much of a Bun client's CPU at 64 requests in flight is one `sendto` per request (bench/ANALYSIS.md,
 * "Session 18"). Bun's `WebSocket` client writes every `send` in its own system call and has no
 * `cork`, so the requests a client sends back from one read of answers leave one by one (Node's
 * client gathers them: `_node-cork.ts`). This runs crossipc's `IPCSocket` over:
 *   native  Bun's WebSocket (what `IPCClient` uses on Bun)
 *   each    a bare-bones WebSocket client on `Bun.connect`, one write per frame
 *   batch   the same, the frames of one microtask run in one write
 * A measurement aid, not a client: no checks of the handshake's answer, a zero mask key, text
 * frames under 64 KiB only, no pings, no close handshake.
 *   bun bench/bun-client-probe.ts <hub port> native|each|batch [inflight=64] [ms=3000]
 * Prints {mode, count, rate, us}: `us` is this process's CPU per request (every thread).
 */
import process from "node:process";
import { IPCSocket, type IPCSocketTarget } from "../src/IPCSocket.ts";
import { smallPayload } from "./_rt.ts";

const [port, mode, inflight, ms] = [Number(process.argv[2]), process.argv[3] ?? "native", Number(process.argv[4] ?? 64), Number(process.argv[5] ?? 3000)];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface BunTcp {
  write(data: Uint8Array | string): number;
  end(): void;
}
declare const Bun: {
  connect(options: { hostname: string; port: number; socket: { data(socket: unknown, chunk: Uint8Array): void } }): Promise<BunTcp>;
};

/** A masked text frame with a zero key (the payload as it is). */
function textFrame(text: string): Uint8Array {
  const body = encoder.encode(text);
  const head = body.length < 126 ? 6 : 8;
  const frame = new Uint8Array(head + body.length);
  frame[0] = 0x81;
  if (body.length < 126) frame[1] = 0x80 | body.length;
  else [frame[1], frame[2], frame[3]] = [0x80 | 126, body.length >> 8, body.length & 255];
  frame.set(body, head);
  return frame;
}

async function overTcp(batch: boolean): Promise<IPCSocket> {
  let tcp: BunTcp | undefined;
  let out: Uint8Array[] = [];
  let outBytes = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const joined = out.length === 1 ? out[0]! : new Uint8Array(outBytes);
    if (out.length > 1) out.reduce((at, part) => (joined.set(part, at), at + part.length), 0);
    out = [];
    outBytes = 0;
    tcp!.write(joined);
  };
  const target: IPCSocketTarget = {
    readyState: 1,
    send(text: string) {
      const frame = textFrame(text);
      if (!batch) return tcp!.write(frame);
      out.push(frame);
      outBytes += frame.length;
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
    close: () => tcp?.end(),
  };
  const socket = new IPCSocket(target, { attach: false });
  let rest: Uint8Array = new Uint8Array(0);
  let upgraded = false;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  tcp = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        let bytes: Uint8Array = chunk;
        if (rest.length) {
          bytes = new Uint8Array(rest.length + chunk.length);
          bytes.set(rest);
          bytes.set(chunk, rest.length);
        }
        let at = 0;
        if (!upgraded) {
          const end = decoder.decode(bytes).indexOf("\r\n\r\n");
          if (end < 0) return void (rest = bytes);
          upgraded = true;
          at = end + 4;
          opened();
        }
        while (bytes.length - at >= 2) {
          let length = bytes[at + 1]! & 127;
          let head = 2;
          if (length === 126) {
            if (bytes.length - at < 4) break;
            length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
            head = 4;
          }
          if (bytes.length - at < head + length) break;
          if ((bytes[at]! & 15) === 1) socket.receive(decoder.decode(bytes.subarray(at + head, at + head + length)));
          at += head + length;
        }
        rest = bytes.slice(at);
      },
    },
  });
  tcp.write(`GET /__ggFrameworkConnection HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await open;
  return socket;
}

async function overNative(): Promise<IPCSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection`);
  await new Promise((resolve) => (ws.onopen = resolve));
  return new IPCSocket(ws);
}

const socket = mode === "native" ? await overNative() : await overTcp(mode === "batch");
const payload = smallPayload();
const send = () => socket.request("bench/echo", payload);
for (let i = 0; i < 2000; i++) await send();
const before = process.cpuUsage();
const stop = performance.now() + ms;
let count = 0;
await Promise.all(
  Array.from({ length: inflight }, async () => {
    while (performance.now() < stop) {
      await send();
      count++;
    }
  }),
);
const used = process.cpuUsage(before);
console.log(JSON.stringify({ mode, count, rate: Math.round(count / (ms / 1000)), us: +((used.user + used.system) / count).toFixed(2) }));
process.exit(0);
