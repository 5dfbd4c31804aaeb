/**
 * The hub side of the soak (test/soak/README.md): a ServiceHub on port 0 under node, bun or
 * deno that prints its port, then every `SOAK_SAMPLE_MS` one JSON line with its memory after a
 * full GC. Not part of the suite.
 */
import process from "node:process";
import { crossipc, runtime } from "../fixtures/_crossipc.ts";

const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void }; Deno?: { memoryUsage(): { rss: number; heapUsed: number } } };
const hub = new crossipc.ServiceHub(0, { dashboard: true, journal: { size: Number(process.env.SOAK_JOURNAL ?? 300), bodies: true } });
await hub.start();
console.log(JSON.stringify({ port: hub.getPort(), runtime, pid: process.pid }));

function sample(): void {
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
  const m = g.Deno ? g.Deno.memoryUsage() : process.memoryUsage();
  console.log(JSON.stringify({ t: Date.now(), rss: m.rss, heap: m.heapUsed, external: (m as { external?: number }).external, heapTotal: (m as { heapTotal?: number }).heapTotal }));
}
const timer = setInterval(sample, Number(process.env.SOAK_SAMPLE_MS ?? 3000));
process.stdin.resume();
process.stdin.on("data", async (data: Uint8Array) => {
  const line = new TextDecoder().decode(data).trim();
  if (line === "sample") sample();
  if (line === "snapshot" && runtime === "node") {
    const v8 = await import("node:v8");
    g.gc?.();
    console.log(JSON.stringify({ snapshot: v8.writeHeapSnapshot() }));
  }
});
process.stdin.on("end", async () => {
  clearInterval(timer);
  process.stdin.pause();
  await hub.teardown();
  console.log(JSON.stringify({ stopped: true }));
});
