// Session 27 (bench/ANALYSIS.md, "Session 27: Node"): in process, CPU per 64 KiB answer through ws.send(joined answer) against the frame
// built from the parts (ARM=parts: a new Buffer each; ARM=scratch: one reused buffer, as adapters/_node-frames.ts; ARM=join2: A/A).
// Run from bench/.build after tsc -p bench/tsconfig.json: cp bench/repro/node-parts64.mjs bench/.build/ && ARM=scratch node bench/.build/node-parts64.mjs
import { fork } from "node:child_process";
import http from "node:http";
import { WebSocketServer, WebSocket } from "ws";
const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, ""); // run from bench/.build
if (process.argv[2] === "child") {
  const ws = new WebSocket(`ws://127.0.0.1:${process.argv[3]}/`, { perMessageDeflate: false });
  ws.on("message", () => {});
} else {
  const { textFrameParts } = await import(`${ROOT}/bench/.build/adapters/_ws-direct.js`);
  const { textPayload } = await import(`${ROOT}/bench/.build/bench/_rt.js`);
  const json = JSON.stringify(textPayload());
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const child = fork(new URL(import.meta.url).pathname, ["child", String(server.address().port)]);
  const ws = await new Promise((r) => wss.once("connection", r));
  const socket = ws._socket;
  const N = Number(process.env.N ?? 200), PAIRS = Number(process.env.PAIRS ?? 15);
  let id = 0;
  let scratchBuf = Buffer.allocUnsafeSlow(1 << 17);
  const B_ARM = process.env.ARM ?? "parts";
  const arms = {
    join: () => { const i = String(++id); ws.send(["s", i, "echo", '{"success":true,"data":' + json + "}"].join(":")); },
    scratch: () => { const i = String(++id); const frame = textFrameParts("s:" + i + ":echo:" + '{"success":true,"data":', json, "}", (n) => (n <= scratchBuf.length ? scratchBuf.subarray(0, n) : Buffer.allocUnsafe(n))); socket.write(frame); if (socket.writableLength !== 0) scratchBuf = Buffer.allocUnsafeSlow(1 << 17); },
    join2: () => { const i = String(++id); ws.send(["s", i, "echo", '{"success":true,"data":' + json + "}"].join(":")); },
    parts: () => { const i = String(++id); socket.write(textFrameParts("s:" + i + ":echo:" + '{"success":true,"data":', json, "}")); },
  };
  const drained = () => new Promise((r) => { const check = () => (socket.writableLength === 0 ? r() : setTimeout(check, 1)); check(); });
  async function round(name) {
    await drained();
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) { arms[name](); if (socket.writableLength > 1 << 20) await drained(); }
    await drained();
    const d = process.cpuUsage(before);
    return (d.user + d.system) / N;
  }
  for (let w = 0; w < 3; w++) { await round("join"); await round(B_ARM); }
  const ratios = [], A = [], B = [];
  for (let p = 0; p < PAIRS; p++) {
    const order = p % 2 ? [B_ARM, "join"] : ["join", B_ARM];
    const r = {};
    for (const name of order) r[name] = await round(name);
    A.push(r.join); B.push(r[B_ARM]); ratios.push(r[B_ARM] / r.join);
  }
  const q = (v, f) => { const s = [...v].sort((a, b) => a - b); const at = (s.length - 1) * f, lo = Math.floor(at); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo); };
  console.log(`node ${process.version}: ${B_ARM} ÷ join CPU per answer ${q(ratios, 0.5).toFixed(3)} (${q(ratios, 0.25).toFixed(2)}–${q(ratios, 0.75).toFixed(2)}), ${ratios.filter((x) => x < 1).length} of ${ratios.length} less; join ${q(A, 0.5).toFixed(1)} µs, parts ${q(B, 0.5).toFixed(1)} µs`);
  child.kill(); process.exit(0);
}
