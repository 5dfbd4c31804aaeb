// Session 27 (bench/ANALYSIS.md, "Session 27: Node"): loaded with `node --import` into one process of
// bench/repro/node-ends.mjs. Times, per read of a TCP socket, the JavaScript between the chunk reaching
// the socket (`push`) and the first write that follows it (`_writeGeneric`, which makes the system call
// at once when it can), the write call itself, and the event loop's active time (ELU) per read.
// On SIGUSR2 it prints one JSON line to stderr (medians and means since the last one) and starts over.
import net from "node:net";
import { performance } from "node:perf_hooks";

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
    })}\n`,
  );
  n = 0;
  reads = 0;
  writes = 0;
});
