/**
 * The hub side of the frame stress (`_frames-stress.ts`, test/soak/README.md): an IPCServer on
 * port 0 (default limits, so behind the Bun or Deno front) that echoes `soak/echo`, under node,
 * bun or deno. Prints its port; on a `sample` line on stdin, one JSON line with its memory after a
 * full GC (heap and external) and how many frames it dropped as not IPC (the stress's 1-byte messages), and what else
 * it warned about. Not part of the suite.
 */
import process from "node:process";
import { crossipc, runtime } from "../fixtures/_crossipc.ts";

const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void }; Deno?: { memoryUsage(): { rss: number; heapUsed: number } } };
let dropped = 0;
const otherWarnings = new Map<string, number>();
const logger = {
  warn(message: string) {
    if (message.includes("Invalid IPC frame dropped")) dropped++;
    else otherWarnings.set(message.slice(0, 120), (otherWarnings.get(message.slice(0, 120)) ?? 0) + 1);
  },
  info() {},
  error(message: string) {
    otherWarnings.set(`error: ${message.slice(0, 120)}`, (otherWarnings.get(`error: ${message.slice(0, 120)}`) ?? 0) + 1);
  },
  debug() {},
};
const server = new crossipc.IPCServer(0, { logger, heartbeat: 30 });
server.onFrameworkMessage("soak/echo" as never, (payload: unknown) => payload);
await server.start();
console.log(JSON.stringify({ port: server.getPort(), runtime, pid: process.pid }));

process.stdin.resume();
process.stdin.on("data", (data: Uint8Array) => {
  if (!new TextDecoder().decode(data).includes("sample")) return;
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
  // `external`: where ArrayBuffers live (the front's read buffers and frame payloads).
  const m = g.Deno ? g.Deno.memoryUsage() : process.memoryUsage();
  const external = (m as { external?: number }).external;
  console.log(JSON.stringify({ rss: m.rss, heap: m.heapUsed, external, dropped, warnings: Object.fromEntries(otherWarnings) }));
});
process.stdin.on("end", async () => {
  process.stdin.pause();
  await server.teardown();
  console.log(JSON.stringify({ stopped: true }));
});
