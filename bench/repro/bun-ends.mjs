// Session 29 (bench/ANALYSIS.md, "Session 29: Bun at 64 KiB x 64"): each end of a Bun round trip apart, with the
// bench's own bench/host.ts and bench/driver.ts run by Bun from one or two checkouts (default: this one).
//   node bench/repro/bun-ends.mjs [--combos raw,ipc,hubraw] [--blocks 3] [--rounds 4] [--ms 800] [--size 64k]
//        [--inflight 64] [--env NAME=VALUE,...] [checkout ...]
// combos (server / client): raw (raw echo / raw client), ipc (crossipc hub / IPCClient: the rpc line), hubraw (crossipc
// hub / the raw client sending one fixed request frame, answers not decoded), hubref (+ a promise per request, matched by
// id), hubdecode (+ each answer split and JSON.parse'd), hubsock (crossipc hub / IPCSocket on Bun's WebSocket), jsonraw
// and jsonsock (the layers family's /json rung: Bun.serve + crossws, parse and stringify in the hook / raw or IPCSocket).
// Per block fresh processes; the combos rotate per round. Prints per combo the medians (IQR) over rounds of the rate,
// each process's CPU per request (every thread, schedstat), its share of the wall time, its minor page faults per
// request, then CPU per request by thread name, then each combo's per-round ratios to `raw`. DUMP=1 adds the rounds.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
const args = process.argv.slice(2);
const opt = (n, f) => { const i = args.indexOf(`--${n}`); if (i < 0) return f; const v = args[i + 1]; args.splice(i, 2); return v; };
const blocks = Number(opt("blocks", 3)), rounds = Number(opt("rounds", 4)), ms = Number(opt("ms", 800));
const size = opt("size", "64k"), inflight = Number(opt("inflight", 64)), combos = opt("combos", "raw,ipc").split(",");
const envExtra = opt("env", "");
const checkouts = args.length ? args : [new URL("../..", import.meta.url).pathname.replace(/\/$/, "")];
const BUN = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const env = { ...process.env };
for (const kv of envExtra.split(",").filter(Boolean)) { const [k, v] = kv.split("="); env[k] = v; }
function cpuNs(pid) { let t = 0; for (const k of readdirSync(`/proc/${pid}/task`)) { try { t += Number(readFileSync(`/proc/${pid}/task/${k}/schedstat`, "utf8").split(" ")[0]); } catch {} } return t; }
function flt(pid) { const st = readFileSync(`/proc/${pid}/stat`, "utf8"); return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[7]); }
function byThread(pid) { const m = {}; for (const k of readdirSync(`/proc/${pid}/task`)) { try { const c = readFileSync(`/proc/${pid}/task/${k}/comm`, "utf8").trim().replace(/[0-9]+$/, ""); const name = k === String(pid) ? "main" : c; m[name] = (m[name] ?? 0) + Number(readFileSync(`/proc/${pid}/task/${k}/schedstat`, "utf8").split(" ")[0]); } catch {} } return m; }
const threads = {};
function start(dir, script, argv) {
  const child = spawn(BUN, [`${dir}/bench/${script}`, ...argv], { stdio: ["pipe", "pipe", "inherit"], cwd: dir, env });
  const q = [], w = [];
  createInterface({ input: child.stdout }).on("line", (l) => { if (!l.startsWith("@@")) return; const m = JSON.parse(l.slice(2)); w.length ? w.shift()(m) : q.push(m); });
  const next = () => (q.length ? Promise.resolve(q.shift()) : new Promise((r) => w.push(r)));
  let id = 0;
  const call = async (op, extra = {}) => { const my = ++id; child.stdin.write(JSON.stringify({ id: my, op, ...extra }) + "\n"); for (;;) { const m = await next(); if (m.id === my) { if (m.error) throw new Error(m.error); return m.result; } } };
  return { child, next, call, pid: child.pid };
}
const FW = "/__ggFrameworkConnection";
function command(combo, ports) {
  const u = (role, path) => `ws://127.0.0.1:${ports[role]}${path}`;
  switch (combo) {
    case "raw": return ["rpc", { kind: "raw", port: ports.raw }];
    case "ipc": return ["rpc", { kind: "crossipc", port: ports.crossipc }];
    case "hubraw": return ["ladder", { kind: "raw", url: u("crossipc", FW) }];
    case "hubsock": return ["ladder", { kind: "ipcsocket", url: u("crossipc", FW) }];
    case "jsonraw": return ["ladder", { kind: "raw", url: u("ladder", "/json") }];
    case "jsonsock": return ["ladder", { kind: "ipcsocket", url: u("ladder", "/json") }];
    case "hubref": return ["ladder", { kind: "ref", url: u("crossipc", FW) }];
    case "hubdecode": return ["ladder", { kind: "decode", url: u("crossipc", FW) }];
    case "frameraw": return ["ladder", { kind: "raw", url: u("ladder", "/frame") }];
  }
  throw new Error(combo);
}
const med = (v) => { const s = [...v].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
const q = (v, p) => { const s = [...v].sort((a, b) => a - b); const at = (s.length - 1) * p, lo = Math.floor(at); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo); };
const res = {};
const loads = [];
const roles = ["raw", "crossipc", ...(combos.some((c) => c.startsWith("json") || c.startsWith("frame")) ? ["ladder"] : [])];
for (let b = 0; b < blocks; b++) {
  loads.push(loadavg()[0]);
  const procs = [];
  for (const dir of b % 2 ? [...checkouts].reverse() : checkouts) {
    const host = start(dir, "host.ts", ["--roles", roles.join(",")]);
    const ready = await host.next();
    const driver = start(dir, "driver.ts", []);
    procs.push({ dir, host, driver, ports: ready.ready });
  }
  const all = procs.flatMap((p) => combos.map((k) => ({ p, k })));
  for (const { p, k } of all) { const [op, c] = command(k, p.ports); await p.driver.call(op, { ...c, inflight, size, ms: 600 }); }
  for (let r = 0; r < rounds; r++) {
    const order = all.map((_, i) => all[(i + r + b) % all.length]);
    for (const { p, k } of order) {
      const [op, c] = command(k, p.ports);
      const ht0 = byThread(p.host.pid), ct0 = byThread(p.driver.pid); const h0 = cpuNs(p.host.pid), c0 = cpuNs(p.driver.pid), t0 = performance.now(), hf0 = flt(p.host.pid), cf0 = flt(p.driver.pid);
      const out = await p.driver.call(op, { ...c, inflight, size, ms });
      const h1 = cpuNs(p.host.pid), c1 = cpuNs(p.driver.pid), wall = (performance.now() - t0) * 1e6;
      const ht1 = byThread(p.host.pid), ct1 = byThread(p.driver.pid);
      const key = `${checkouts.length > 1 ? p.dir.split("/").pop() + ":" : ""}${k}`;
      (res[key] ??= []).push({ rate: out.rate, hub: (h1 - h0) / out.count / 1000, client: (c1 - c0) / out.count / 1000, hu: (h1 - h0) / wall, cu: (c1 - c0) / wall, hf: (flt(p.host.pid) - hf0) / out.count, cf: (flt(p.driver.pid) - cf0) / out.count, round: `${b}.${r}` });
      for (const [side, a, z] of [["hub", ht0, ht1], ["client", ct0, ct1]]) for (const t of Object.keys(z)) ((threads[key] ??= {})[`${side}:${t}`] ??= []).push(((z[t] ?? 0) - (a[t] ?? 0)) / out.count / 1000);
    }
  }
  for (const p of procs) { p.host.child.kill(); p.driver.child.kill(); }
}
loads.push(loadavg()[0]);
console.log(`load ${med(loads).toFixed(1)} (${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}); ${blocks}x${rounds} rounds of ${ms} ms, ${size} x ${inflight}${envExtra ? ", env " + envExtra : ""}`);
const f = (v, n, d = 1) => `${med(v.map((x) => x[n])).toFixed(d)} (${q(v.map((x) => x[n]), 0.25).toFixed(d)}-${q(v.map((x) => x[n]), 0.75).toFixed(d)})`;
for (const [k, v] of Object.entries(res)) console.log(`${k.padEnd(16)} rate ${f(v, "rate", 0)}  hub ${f(v, "hub")} us  client ${f(v, "client")} us  both ${med(v.map((x) => x.hub + x.client)).toFixed(1)}  util hub ${f(v, "hu", 2)} client ${f(v, "cu", 2)}  faults/req hub ${f(v, "hf")} client ${f(v, "cf")}`);
for (const [k, v] of Object.entries(threads)) console.log(k, Object.entries(v).filter(([, x]) => med(x) >= 1).map(([t, x]) => `${t} ${med(x).toFixed(1)}`).join(", "));
const keys = Object.keys(res);
for (const k of keys) { const base = keys.find((x) => x.endsWith("raw") && !x.endsWith("hubraw") && !x.endsWith("jsonraw") && !x.endsWith("frameraw") && x.split(":").length === k.split(":").length && (k.includes(":") ? x.split(":")[0] === k.split(":")[0] : true)); if (!base || base === k) continue; const rr = res[k].map((x, i) => x.rate / res[base][i].rate); const cr = res[k].map((x, i) => (x.hub + x.client) / (res[base][i].hub + res[base][i].client)); console.log(`${k} / ${base}: rate ${med(rr).toFixed(3)} (${q(rr, .25).toFixed(2)}-${q(rr, .75).toFixed(2)}), CPU both ${med(cr).toFixed(2)}`); }
if (process.env.DUMP) console.log(JSON.stringify(res));
