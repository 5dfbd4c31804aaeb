// Session 26 (bench/ANALYSIS.md, "Session 26: Deno and Node"): each end of a Deno round trip apart, one pair of processes.
// node bench/repro/deno-ends.mjs <server: raw|crossipc|nojournal|answer|min|direct> <client: raw|rawmt|rawp|rawpd|sock|ipc|ipcnative> [rounds] [ms]  — CPU per request of each process (schedstat), per round.
// PERF=server|client: perf record -g that process for one extra round (its output /tmp/deno-ends-perf-<tag>.data)
import { spawn, execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
import { resolve } from "node:path";
const ROOT = resolve(import.meta.dirname, "../..");
const DENO = `${ROOT}/node_modules/.bin/deno`;
const [mode, kind, roundsArg, msArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5), ms = Number(msArg ?? 1000);
const flags = (process.env.DFLAGS ?? "").split(" ").filter(Boolean);
function cpuNs(pid) { let t = 0; for (const task of readdirSync(`/proc/${pid}/task`)) { try { t += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]); } catch {} } return t; }
function start(args) {
  const child = spawn(DENO, ["run", "-A", "--quiet", ...flags, ...args], { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT });
  const lines = createInterface({ input: child.stdout }); const q = [], w = [];
  // Lines V8 writes with --trace-gc (DFLAGS) are counted, not taken for the script's own lines.
  const gc = { n: 0 };
  lines.on("line", (l) => (l.startsWith("[") ? gc.n++ : w.length ? w.shift()(l) : q.push(l)));
  const next = () => (q.length ? Promise.resolve(q.shift()) : new Promise((r) => w.push(r)));
  return { child, next, gc };
}
function startBun(args) {
  const child = spawn(`${ROOT}/node_modules/.bin/bun`, args, { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT });
  const lines = createInterface({ input: child.stdout }); const q = [], w = [];
  lines.on("line", (l) => (w.length ? w.shift()(l) : q.push(l)));
  return { child, next: () => (q.length ? Promise.resolve(q.shift()) : new Promise((r) => w.push(r))), gc: { n: 0 } };
}
// SERVER=bun (session 29): the server process is Bun's (bench/repro/bun-ends-server.ts), the client still Deno's.
const srv = process.env.SERVER === "bun" ? startBun(["bench/repro/bun-ends-server.ts", mode]) : start(["bench/repro/deno-ends-server.ts", mode]);
const s = JSON.parse(await srv.next());
const cli = start(["bench/repro/deno-ends-client.ts", kind, String(s.port)]);
const c = JSON.parse(await cli.next());
const res = [];
async function round() {
  const a = cpuNs(s.pid), b = cpuNs(c.pid), g = cli.gc.n;
  cli.child.stdin.write(`${ms}\n`);
  const n = Number(await cli.next());
  return { n, rate: n / ms * 1000, srv: (cpuNs(s.pid) - a) / n / 1000, cli: (cpuNs(c.pid) - b) / n / 1000, gcPer10k: (cli.gc.n - g) / n * 1e4 };
}
await round();
for (let i = 0; i < rounds; i++) { const r = await round(); r.ratio = r.cli / r.srv; res.push(r); }
const med = (k) => { const v = res.map((r) => r[k]).sort((x, y) => x - y); return v[v.length >> 1]; };
console.log(`${mode}/${kind}: rate ${med("rate").toFixed(0)} srv ${med("srv").toFixed(2)} cli ${med("cli").toFixed(2)} µs/req  load ${loadavg()[0].toFixed(1)}  rounds srv ${res.map(r=>r.srv.toFixed(1)).join(",")} cli ${res.map(r=>r.cli.toFixed(1)).join(",")}  client GC lines per 10k req ${med("gcPer10k").toFixed(1)}  cli/srv median ${med("ratio").toFixed(3)} (${res.map(r=>r.ratio.toFixed(2)).join(",")})`);
if (process.env.PERF) {
  const pid = process.env.PERF === "server" ? s.pid : c.pid;
  const out = `/tmp/deno-ends-perf-${process.env.TAG ?? mode + "-" + kind}-${process.env.PERF}.data`;
  const perf = spawn("perf", ["record", "-F", "2999", "-g", "-p", String(pid), "-o", out], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  const a = cpuNs(pid);
  cli.child.stdin.write(`${Number(process.env.PERFMS ?? 3000)}\n`);
  const n = Number(await cli.next());
  console.log(`perf round: ${n} requests, ${( (cpuNs(pid) - a) / n / 1000).toFixed(2)} µs/req of the traced process`);
  perf.kill("SIGINT");
  await new Promise((r) => perf.on("exit", r));
  console.log(`requests=${n} file=${out}`);
}
srv.child.stdin.end(); cli.child.stdin.end();
