/**
 * The smallest reproduction, outside crossipc, of the mode a Deno hub falls into at 64 KiB × 64
 * (bench/ANALYSIS.md, "Session 21 — Deno at 64 KiB, the swing"): V8's `JSON.stringify` (its fast
 * stringifier, in Deno 2.9.6's V8 15.0) takes one `malloc` of ~512 KiB for an object holding a 64 KiB
 * string (room for the string at its longest escaped, V8's `MaxEscapedStringLength`; ~64 KiB of it written) and
 * frees it on return. Beside it, a new `ArrayBuffer` per iteration for the text's bytes, as a
 * WebSocket server frames an answer: glibc serves it from the top of the heap, where the freed
 * 512 KiB block was, so the next block goes above it; once the collector frees the buffers, glibc
 * gives the heap's top back to the kernel (`brk` down), and the next stringifies write into pages
 * the kernel must fault in and zero again. Each run settles in one mode or the other, and may
 * switch: ~0 page faults per iteration, or 1–8, each ~10 µs of CPU where faults are dear.
 *
 *   perf stat -e syscalls:sys_enter_brk,page-faults deno run -A bench/repro/deno-stringify-faults.ts
 *   FRAME=0 ...                      the same without the ArrayBuffer: the faults stop after the first rounds
 *   GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=1048576 ...
 *                                    glibc keeps the heap's top: the faults stop after the first rounds
 * Linux only (page faults from /proc/self/stat, which Deno lets a script read only with -A).
 */
declare const Deno: { readTextFileSync(path: string): string; env: { get(name: string): string | undefined } };

/** Minor page faults of this process so far. */
function minorFaults(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

const iterations = Number(Deno.env.get("N") ?? 3000);
const frame = Deno.env.get("FRAME") !== "0";
// Parsed, as a server holds a request's data: the string is a plain sequential one.
const data = JSON.parse(JSON.stringify({ text: "a".repeat(64 * 1024) })) as unknown;
const encoder = new TextEncoder();
let written = 0;
for (let round = 1; round <= 8; round++) {
  const faultsBefore = minorFaults();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const text = JSON.stringify({ success: true, data });
    written += frame ? encoder.encodeInto(text, new Uint8Array(new ArrayBuffer(text.length + 4))).written : text.length;
  }
  const faults = (minorFaults() - faultsBefore) / iterations;
  const micros = ((performance.now() - start) * 1000) / iterations;
  console.log(`round ${round}: ${faults.toFixed(2)} page faults and ${micros.toFixed(1)} µs per iteration`);
}
if (written === 0) throw new Error("nothing written");
