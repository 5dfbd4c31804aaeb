/**
 * The hub's HTTP proxy streams: 100 MiB up and 100 MiB down through a hub in each runtime must
 * not grow the hub's memory with the data. Measured as the hub process's peak RSS (VmHWM)
 * after a warm-up transfer, which pays the runtime's fixed cost of streaming; a proxy that
 * buffered would add the data's size. Driven from Node; the hub's runtime is what matters.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startBackend } from "./_backend.ts";
import { RUNTIMES, start, waitExit, type Runtime } from "./_spawn.ts";

const MiB = 1024 * 1024;
/**
 * Growth allowed over the warm-up peak: while one side pauses, a proxy without backpressure
 * takes in up to the whole 100 MiB; a streaming one adds what the GC has not collected yet
 * (V8 waits for ~64 MiB of external memory before collecting socket Buffers).
 */
const LIMIT = 48 * MiB;
const SERVER_SCRIPT = "test/fixtures/server.ts";
/** How long the slow side (backend on upload, client on download) stops reading. */
const PAUSE_MS = 1500;
/**
 * The backend answers an upload only after reading all of it: on a loaded 2-core machine 100 MiB
 * through a Deno hub took over the conformance hub's 3 s. Memory is measured here, not speed.
 */
const PROXY_TIMEOUT_MS = 60_000;

const backend = await startBackend();
const failures: string[] = [];

for (const runtime of RUNTIMES) {
  const hub = start(runtime, SERVER_SCRIPT, ["--backend", backend.url, "--proxy-timeout", String(PROXY_TIMEOUT_MS)]);
  try {
    const { port, pid } = await hub.nextJson<{ port: number; pid: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
    await upload(url, 20);
    await download(url, 20);
    const baseline = peak();
    await upload(url, 100);
    const afterUpload = peak() - baseline;
    await download(url, 100);
    const afterDownload = peak() - baseline;
    const line = `${runtime.padEnd(5)} hub: +${(afterUpload / MiB).toFixed(1)} MiB during a 100 MiB upload, +${(afterDownload / MiB).toFixed(1)} MiB after a 100 MiB download too`;
    const ok = afterUpload < LIMIT && afterDownload < LIMIT;
    console.log(`${ok ? "ok  " : "FAIL"} ${line} (limit ${LIMIT / MiB} MiB)`);
    if (!ok) failures.push(line);
  } catch (error) {
    console.log(`FAIL ${runtime} hub: ${(error as Error).message}`);
    failures.push(`${runtime}: ${(error as Error).message}`);
  } finally {
    hub.proc.stdin.end();
    await waitExit(hub, 10_000, "exit").catch(() => hub.proc.kill("SIGKILL"));
  }
}
await backend.close();
if (failures.length) {
  console.log(`streaming: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log("streaming: every hub streams 200 MiB with flat memory");

async function upload(url: string, mib: number): Promise<void> {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ >= mib) controller.close();
      else controller.enqueue(new Uint8Array(MiB));
    },
  });
  const response = await fetch(`${url}/backend/sink?pause=${PAUSE_MS}`, { method: "POST", body, duplex: "half" } as RequestInit);
  assert.equal(await response.text(), String(mib * MiB));
}

async function download(url: string, mib: number): Promise<void> {
  const response = await fetch(`${url}/backend/source?mib=${mib}`);
  // A client slow to read, so a proxy without backpressure would buffer the download.
  await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  let received = 0;
  for await (const chunk of response.body!) received += chunk.byteLength;
  assert.equal(received, mib * MiB);
}
