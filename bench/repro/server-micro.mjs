// Session 29 (bench/ANALYSIS.md, "Session 29: the server end at one in flight"): the server's per-request JavaScript in
// process, any runtime, from a request frame's text to the answer frame's text handed to the writer.
//   node|bun|deno run -A bench/repro/server-micro.mjs ARM ARM ... [--rounds 21] [--n 20000]
// ARM = BUNDLE:KIND, BUNDLE an esbuild bundle of bench/repro/server-micro-entry.ts (a checkout's src), or "-" for min:
//   min   the protocol alone: the frame's id and path cut out, JSON.parse of DATA, the handler from a Map by the path,
//         called, JSON.stringify of its result into `s:ID:PATH:{"success":true,"data":…}`, handed to the writer
//   full  IPCServer's chain as a Node server runs it: frameworkMessage's size check, FrameworkClients.receive ->
//         IPCSocket (shared handler Map) -> FrameworkActivity.incoming (journal on) -> the handler's SocketMessage,
//         the answer through the client target (batchWrite = corkForTick on Node, none elsewhere, as each runtime's
//         platform) and dropIfSlow
//   nojournal  full with the journal off;  nocork  full without batchWrite
// Each request is followed by `await null` in every arm (the cork's run ends with a microtask). Rounds alternate the
// arms' order (rotated); per round each arm's µs of process CPU per request (wall time where the runtime has no
// process.cpuUsage) and its ratio to the first arm.
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); if (i < 0) return fallback; const v = args[i + 1]; args.splice(i, 2); return v; };
const rounds = Number(opt("rounds", 21)), n = Number(opt("n", 20000));
const cwd = globalThis.Deno ? Deno.cwd() : process.cwd();
const url = (path) => new URL(path, `file://${cwd}/`).href;
const isNode = !globalThis.Deno && !globalThis.Bun;
const payload = { id: 12345, name: "user-12345", email: "user12345@example.com", roles: ["reader", "writer"], active: true, score: 0.75 };
const frames = Array.from({ length: 1000 }, (_, i) => "r:" + (i + 1) + ":echo:" + JSON.stringify(payload));
let sink = 0, last = "";

function makeMin() {
  const handlers = new Map([["echo", (p) => p]]);
  const writer = { send(f) { sink += f.length; last = f; } };
  return (frame) => {
    const b = frame.indexOf(":", 2), c = frame.indexOf(":", b + 1);
    const id = frame.slice(2, b), path = frame.slice(b + 1, c);
    const data = JSON.parse(frame.slice(c + 1));
    const result = handlers.get(path)(data);
    writer.send("s:" + id + ":" + path + ':{"success":true,"data":' + JSON.stringify(result) + "}");
  };
}
function makeFull(m, kind) {
  const journal = new m.Journal(kind === "nojournal" ? false : undefined, { list: () => [], reset: () => {} }, []);
  const activity = new m.FrameworkActivity(journal.enabled ? journal : undefined);
  const fakeTcp = { destroyed: false, cork() {}, uncork() {}, write() {} };
  const batchWrite = isNode && kind !== "nocork" ? m.corkForTick : undefined;
  const clients = new m.FrameworkClients({ requestTimeout: 10000, maxBufferedAmount: 64 << 20, maxClients: 1024, batchWrite, onUnhandled: (s, p) => activity.unhandled(s, p) });
  const handler = (p) => p;
  // As IPCServer.onFrameworkMessage registers it.
  clients.handlers.set("echo", activity.incoming("echo", (data, socket) => handler(data, { clientId: socket.clientId, runtimeId: socket.runtimeId, data })));
  const peer = { close() {}, terminate() {} };
  const writer = { send(f) { sink += f.length; last = f; }, bufferedAmount: 0, _socket: fakeTcp };
  clients.open(peer, "bench-client", writer);
  const maxMessageSize = 64 << 20;
  // frameworkMessage (src/server/_websocket.ts)
  return (raw) => {
    if (typeof raw !== "string") return;
    if (raw.length * 3 > maxMessageSize) return;
    clients.receive(peer, raw);
  };
}
const arms = [];
for (const spec of args) {
  const [bundle, kind] = spec.split(":");
  const fn = kind === "min" ? makeMin() : makeFull(await import(url(bundle)), kind);
  fn(frames[0]);
  // Each arm must answer as the protocol does (the same text as min's).
  if (last !== 's:1:echo:{"success":true,"data":' + JSON.stringify(payload) + "}") throw new Error(`${spec} answered ${last}`);
  arms.push({ spec, fn });
}
// The process's CPU time (ms) where the runtime says it, not wall time: on 2 shared cores a process is descheduled often.
const cpu = globalThis.process?.cpuUsage;
const clock = cpu ? () => { const u = cpu(); return (u.user + u.system) / 1000; } : () => performance.now();
async function loop(fn, count) {
  for (let i = 0; i < count; i++) { fn(frames[i % 1000]); await null; }
}
for (const a of arms) await loop(a.fn, n); // warm
const us = arms.map(() => []), ratios = arms.map(() => []);
for (let r = 0; r < rounds; r++) {
  const t = [];
  for (let k = 0; k < arms.length; k++) {
    const j = (k + r) % arms.length;
    const s = clock(); await loop(arms[j].fn, n); t[j] = clock() - s;
  }
  for (let j = 0; j < arms.length; j++) { us[j].push((t[j] * 1000) / n); ratios[j].push(t[j] / t[0]); }
}
const q = (v, p) => { const s = [...v].sort((x, y) => x - y); const at = (s.length - 1) * p, lo = Math.floor(at); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo); };
const f = (v, d = 3) => `${q(v, 0.5).toFixed(d)} (${q(v, 0.25).toFixed(2)}-${q(v, 0.75).toFixed(2)})`;
for (let j = 0; j < arms.length; j++) console.log(`${arms[j].spec.padEnd(22)} ${f(us[j])} us  /first ${f(ratios[j])}  less in ${ratios[j].filter((x) => x < 1).length}/${rounds}`);
if (sink < 0) console.log(sink);
