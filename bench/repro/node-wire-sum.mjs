// Session 28: summarises an `strace -f -tt -T` of a server (bench/repro/node-wire.sh): calls per system call
// and bytes per call, and three gaps in µs (p50 and p90): a read's end to a writev that follows it (the
// server's JavaScript to its answer), the writev's own time, and a writev's end to the next read (what the
// server does after writing before it reads again). strace's own stops are in every number: compare two
// servers traced the same way, not with untraced runs.
import { readFileSync } from "node:fs";

const at = (clock) => {
  const [h, m, s] = clock.split(":");
  return (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1e6;
};
for (const file of process.argv.slice(2)) {
  const calls = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\d+\s+(\S+)\s+(\w+)\(.*=\s*(-?\d+).*<([\d.]+)>$/.exec(line);
    if (m) calls.push({ start: at(m[1]), name: m[2], result: Number(m[3]), took: Number(m[4]) * 1e6 });
  }
  const counts = new Map();
  for (const c of calls) {
    const e = counts.get(c.name) ?? { n: 0, bytes: 0, failed: 0 };
    e.n++;
    if (c.result > 0) e.bytes += c.result;
    if (c.result < 0) e.failed++;
    counts.set(c.name, e);
  }
  const gaps = { "read→writev": [], "writev call": [], "writev→read": [] };
  for (let i = 0; i + 1 < calls.length; i++) {
    const [a, b] = [calls[i], calls[i + 1]];
    if (a.name === "read" && b.name === "writev") gaps["read→writev"].push(b.start - (a.start + a.took));
    if (a.name === "writev") gaps["writev call"].push(a.took);
    if (a.name === "writev" && b.name === "read") gaps["writev→read"].push(b.start - (a.start + a.took));
  }
  const q = (v, p) => (v.length ? [...v].sort((x, y) => x - y)[Math.floor(p * (v.length - 1))] : NaN);
  console.log(file);
  for (const [name, e] of counts) console.log(`  ${name}: ${e.n} calls, ${e.bytes} bytes (${e.n ? Math.round(e.bytes / e.n) : 0} per call), ${e.failed} failed`);
  for (const [name, v] of Object.entries(gaps)) console.log(`  ${name}: p50 ${q(v, 0.5).toFixed(0)} µs, p90 ${q(v, 0.9).toFixed(0)} µs (${v.length})`);
}
