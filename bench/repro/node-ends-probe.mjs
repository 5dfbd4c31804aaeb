// Session 27 (bench/ANALYSIS.md, "Session 27: Node"): loaded with `node --import` into one process of
// bench/repro/node-ends.mjs. Times, per read of a TCP socket, the JavaScript between the chunk reaching
// the socket (`push`) and the first write that follows it (`_writeGeneric`, which makes the system call
// at once when it can), the write call itself, and the event loop's active time (ELU) per read.
// On SIGUSR2 it prints one JSON line to stderr (medians and means since the last one) and starts over.
import net from "node:net";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";

const MAX = 1 << 18;
const readToWrite = new Float64Array(MAX);
const writeCall = new Float64Array(MAX);
let n = 0;
let reads = 0;
let writes = 0;
let readAt = -1;
let elu = performance.eventLoopUtilization();

const push = net.Socket.prototype.push;
net.Socket.prototype.push = function (chunk, encoding) {
  if (chunk !== null && chunk !== undefined) {
    reads++;
    readAt = performance.now();
  }
  return push.call(this, chunk, encoding);
};
const writeGeneric = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function (...args) {
  const at = performance.now();
  writes++;
  const result = writeGeneric.apply(this, args);
  if (readAt >= 0 && n < MAX) {
    readToWrite[n] = at - readAt;
    writeCall[n] = performance.now() - at;
    n++;
  }
  readAt = -1;
  return result;
};

const median = (a, k) => {
  const s = Array.from(a.subarray(0, k)).sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : NaN;
};
const mean = (a, k) => {
  let t = 0;
  for (let i = 0; i < k; i++) t += a[i];
  return k ? t / k : NaN;
};
// Session 29: with NODE_ENDS_GC=1, each line also sums the collections since the last one (v8.GCProfiler:
// the heap spaces before and after each): scavenges and their time, the new space's size, what survived a
// scavenge in it, and what it promoted to the old space.
let profiler = process.env.NODE_ENDS_GC === "1" ? new v8.GCProfiler() : undefined;
profiler?.start();
function gcSummary() {
  if (!profiler) return undefined;
  const { statistics } = profiler.stop();
  profiler = new v8.GCProfiler();
  profiler.start();
  const space = (side, name) => side.heapSpaceStatistics.find((s) => s.spaceName === name) ?? { spaceSize: 0, spaceUsedSize: 0 };
  const sum = { scavenges: 0, scavengeMs: 0, otherGcs: 0, otherMs: 0, newSpaceKB: 0, survivedKB: 0, promotedKB: 0 };
  for (const gc of statistics) {
    if (gc.gcType !== "Scavenge") {
      sum.otherGcs++;
      sum.otherMs += gc.cost / 1000;
      continue;
    }
    sum.scavenges++;
    sum.scavengeMs += gc.cost / 1000;
    sum.newSpaceKB += space(gc.beforeGC, "new_space").spaceSize / 1024;
    sum.survivedKB += space(gc.afterGC, "new_space").spaceUsedSize / 1024;
    sum.promotedKB += (space(gc.afterGC, "old_space").spaceUsedSize - space(gc.beforeGC, "old_space").spaceUsedSize) / 1024;
  }
  // Means per scavenge of the sizes; totals of counts and times.
  for (const k of ["newSpaceKB", "survivedKB", "promotedKB"]) sum[k] = sum.scavenges ? Math.round(sum[k] / sum.scavenges) : null;
  return sum;
}
process.on("SIGUSR2", () => {
  const now = performance.eventLoopUtilization(elu);
  elu = performance.eventLoopUtilization();
  const us = (v) => Math.round(v * 1000 * 100) / 100;
  process.stderr.write(
    `PROBE ${JSON.stringify({
      pid: process.pid,
      reads,
      writes,
      pairs: n,
      readToWriteMedian: us(median(readToWrite, n)),
      readToWriteMean: us(mean(readToWrite, n)),
      writeCallMedian: us(median(writeCall, n)),
      activePerRead: reads ? us(now.active / reads) : null,
      idlePerRead: reads ? us(now.idle / reads) : null,
      gc: gcSummary(),
    })}\n`,
  );
  n = 0;
  reads = 0;
  writes = 0;
});
