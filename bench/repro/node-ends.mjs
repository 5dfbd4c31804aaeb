// Session 27 (bench/ANALYSIS.md, "Session 27: Node"): each end of a Node round trip apart, in the manner of
// deno-ends.mjs, with bench/node-ab-server.ts and bench/node-ab-client.ts (compiled: node_modules/.bin/tsc -p
// bench/tsconfig.json) and node-ends-probe.mjs loaded into both processes.
//   node bench/repro/node-ends.mjs <server:client> ... [--blocks B] [--rounds R] [--ms MS] [--node BIN] [--inflight N]
// server: raw | crossipc | nojournal | orig | answer (node-ab-server.ts); client: raw | ipc | decode | plain | orig.
// Per block, each pair in turn (the order rotated per block), fresh processes, one warm-up round, R rounds.
// Prints, per pair, the median over all rounds of: rate; CPU per request of each process (every thread,
// schedstat); and from the probe, per end, the JavaScript from a read to the write that follows it, the
// write call, and the event loop's active time per read. `--gc 1` (session 29): also the collector per round and
// end (node-ends-probe.mjs with NODE_ENDS_GC=1: scavenges, their time, the new space's size, what survived and
// what was promoted per scavenge).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const PROBE = resolve(import.meta.dirname, "node-ends-probe.mjs");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const blocks = Number(opt("blocks", 3));
const rounds = Number(opt("rounds", 4));
const ms = Number(opt("ms", 800));
const node = opt("node", process.execPath);
const inflight = opt("inflight", "1");
const probe = opt("probe", "1") !== "0";
// Session 29: the collector per round, each end (the probe's v8.GCProfiler summary; needs the probe).
const gc = opt("gc", "0") === "1" && probe;
const pairs = args;

function cpuNs(pid) {
  let t = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      t += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return t;
}
function start(script, argv) {
  const child = spawn(node, [...(probe ? ["--import", PROBE] : []), `${ROOT}/bench/.build/bench/${script}.js`, ...argv], { stdio: ["pipe", "pipe", "pipe"], cwd: ROOT, env: gc ? { ...process.env, NODE_ENDS_GC: "1" } : process.env });
  const out = createInterface({ input: child.stdout });
  const q = [], w = [];
  out.on("line", (l) => (w.length ? w.shift()(l) : q.push(l)));
  const pq = [], pw = [];
  createInterface({ input: child.stderr }).on("line", (l) => {
    if (!l.startsWith("PROBE ")) return void process.stderr.write(l + "\n");
    const p = JSON.parse(l.slice(6));
    pw.length ? pw.shift()(p) : pq.push(p);
  });
  return {
    child,
    next: () => (q.length ? Promise.resolve(q.shift()) : new Promise((r) => w.push(r))),
    probe: () => {
      child.kill("SIGUSR2");
      return pq.length ? Promise.resolve(pq.shift()) : new Promise((r) => pw.push(r));
    },
  };
}

const results = Object.fromEntries(pairs.map((p) => [p, []]));
const loads = [loadavg()[0]];
for (let b = 0; b < blocks; b++) {
  const order = pairs.map((_, i) => pairs[(i + b) % pairs.length]);
  for (const pair of order) {
    const [mode, kind] = pair.split(":");
    const srv = start("node-ab-server", [mode]);
    const s = JSON.parse(await srv.next());
    const cli = start("node-ab-client", [String(s.port), kind, inflight]);
    const c = JSON.parse(await cli.next());
    const round = async () => {
      const a = cpuNs(s.pid), bb = cpuNs(c.pid);
      if (probe) await Promise.all([srv.probe(), cli.probe()]);
      cli.child.stdin.write(`${ms}\n`);
      const n = Number(await cli.next());
      const r = { n, rate: (n / ms) * 1000, srv: (cpuNs(s.pid) - a) / n / 1000, cli: (cpuNs(c.pid) - bb) / n / 1000 };
      if (probe) [r.sp, r.cp] = await Promise.all([srv.probe(), cli.probe()]);
      return r;
    };
    await round();
    for (let i = 0; i < rounds; i++) results[pair].push(await round());
    srv.child.stdin.end();
    cli.child.stdin.end();
    await Promise.all([new Promise((r) => srv.child.once("exit", r)), new Promise((r) => cli.child.once("exit", r))]);
    loads.push(loadavg()[0]);
  }
}
const med = (v) => {
  const s = v.filter((x) => typeof x === "number" && !Number.isNaN(x)).sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : NaN;
};
const q = (v, f) => {
  const s = [...v].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
};
const f = (x, d = 1) => (Number.isNaN(x) ? "-" : x.toFixed(d));
console.log(`node ${node}; ${blocks} blocks × ${rounds} rounds of ${ms} ms, ${inflight} in flight; load ${f(med(loads))} (${f(Math.min(...loads))}–${f(Math.max(...loads))})`);
console.log("pair | req/s (IQR) | µs/round trip | server CPU µs | client CPU µs | srv read→write µs | srv write call | srv active/read | cli read→write | cli write call | cli active/read");
for (const pair of pairs) {
  const r = results[pair];
  const rate = r.map((x) => x.rate);
  const row = [
    pair,
    `${f(med(rate), 0)} (${f(q(rate, 0.25), 0)}–${f(q(rate, 0.75), 0)})`,
    f(1e6 / med(rate)),
    f(med(r.map((x) => x.srv))),
    f(med(r.map((x) => x.cli))),
  ];
  if (probe) {
    for (const end of ["sp", "cp"]) {
      row.push(f(med(r.map((x) => x[end].readToWriteMedian)), 2), f(med(r.map((x) => x[end].writeCallMedian)), 2), f(med(r.map((x) => x[end].activePerRead)), 1));
    }
  }
  console.log(row.join(" | "));
}
if (gc) {
  console.log("\ncollector per round (medians), server | client: scavenges per 1,000 requests | scavenge ms per 1,000 requests | new space KB | survived KB per scavenge | promoted KB per scavenge | promoted KB per request | other GCs per round");
  for (const pair of pairs) {
    const r = results[pair];
    const cols = (end) => {
      const g = r.map((x) => ({ ...x[end].gc, n: x.n }));
      return [
        f(med(g.map((x) => (x.scavenges / x.n) * 1000)), 1),
        f(med(g.map((x) => (x.scavengeMs / x.n) * 1000)), 1),
        f(med(g.map((x) => x.newSpaceKB)), 0),
        f(med(g.map((x) => x.survivedKB)), 0),
        f(med(g.map((x) => x.promotedKB)), 0),
        f(med(g.map((x) => (x.promotedKB * x.scavenges) / x.n)), 2),
        f(med(g.map((x) => x.otherGcs)), 0),
      ].join(" ");
    };
    console.log(`${pair} | ${cols("sp")} | ${cols("cp")}`);
  }
}
