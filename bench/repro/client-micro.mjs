// Session 28 (bench/ANALYSIS.md, "Session 28: the client end"): IPCSocket's per-request JavaScript in process, any runtime.
// A request's frame goes to a fake target, the server's answer to it (s:ID:PATH:{"success":true,"data":DATA}) is fed to
// receive(), the promise is awaited; two bundles A and B alternate in rounds (which goes first alternates), ratio B/A per round.
// Bundle a checkout's IPCSocket: node_modules/.bin/esbuild <entry exporting { IPCSocket } from src/IPCSocket.ts> --bundle
// --format=esm --platform=neutral --outfile=X.mjs. client-min.mjs is the protocol's part alone (same interface).
//   node|bun|deno run -A bench/repro/client-micro.mjs A.mjs B.mjs [rounds=15] [requests per round=20000]

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const rounds = Number(args[2] ?? 15), n = Number(args[3] ?? 20000);
// Module paths are taken from the working directory.
const cwd = globalThis.Deno ? Deno.cwd() : process.cwd();
const url = (path) => new URL(path, `file://${cwd}/`).href;
const mods = [await import(url(args[0])), await import(url(args[1]))];
const payload = { id: 12345, name: "user-12345", email: "user12345@example.com", roles: ["reader", "writer"], active: true, score: 0.75 };
function make(IPCSocket) {
  let last = "";
  const target = { send(f) { last = f; }, close() {}, readyState: 1 };
  const sock = new IPCSocket(target, { attach: false });
  return async function loop(count) {
    for (let i = 0; i < count; i++) {
      const p = sock.request("echo", payload);
      // the server's answer: s:ID:echo:{"success":true,"data":DATA}
      const c1 = last.indexOf(":", 2), c2 = last.indexOf(":", c1 + 1);
      sock.receive("s" + last.slice(1, c2 + 1) + '{"success":true,"data":' + last.slice(c2 + 1) + "}");
      await p;
    }
  };
}
const loops = mods.map((m) => make(m.IPCSocket));
for (const l of loops) await l(n); // warm
const ratios = [], us = [[], []];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  const t = [0, 0];
  for (const k of order) { const s = performance.now(); await loops[k](n); t[k] = performance.now() - s; }
  us[0].push((t[0] * 1000) / n); us[1].push((t[1] * 1000) / n); ratios.push(t[1] / t[0]);
}
const q = (v, p) => { const s = [...v].sort((x, y) => x - y); const at = (s.length - 1) * p, lo = Math.floor(at); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo); };
const f = (v) => `${q(v, 0.5).toFixed(3)} (${q(v, 0.25).toFixed(2)}-${q(v, 0.75).toFixed(2)})`;
console.log(`A ${f(us[0])} us  B ${f(us[1])} us  B/A ${f(ratios)}  B less in ${ratios.filter((x) => x < 1).length}/${rounds}`);
