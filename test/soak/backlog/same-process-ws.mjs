// Same process: Bun IPCServer + the `ws` package as Bun resolves it, `_socket.pause()` then resume.
import WebSocket from "ws";
import { crossipc, startServer } from "../../bun/_setup.ts";
const ANSWER = Number(process.argv[2]), MB = Number(process.argv[3]), SEP = process.argv[4];
const COUNT = Math.ceil((MB * 1e6) / ANSWER);
const warns = [];
let n = 0;
let port;
if (SEP) port = Number(SEP);
else {
  const server = await startServer({ logger: { warn: (m) => warns.push(m), error() {}, info() {}, debug() {} } });
  const answer = "x".repeat(ANSWER);
  server.onFrameworkMessage(crossipc.IPCServer.defineRequest("big"), () => (n++, answer));
  port = server.getPort();
}
const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=same`);
let got = 0, close = null;
ws.on("message", (d) => { if (String(d).startsWith("s:")) got++; });
ws.on("close", (c) => (close = String(c)));
await new Promise((r) => ws.once("open", r));
const s = ws._socket;
console.log("socket:", typeof s, s && typeof s.pause);
s?.pause?.();
for (let i = 1; i <= COUNT; i++) ws.send(`r:${i}:big:`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let prev = -1, still = 0;
while (n < COUNT && still < 15) { await sleep(200); if (n === prev) still++; else { still = 0; prev = n; } }
const gotWhilePaused = got;
await sleep(1000);
s?.resume?.();
const until = Date.now() + 30000;
while (got < COUNT && close === null && Date.now() < until) await sleep(100);
await sleep(500);
console.log(JSON.stringify({ ANSWER, MB, COUNT, answered: n, gotWhilePaused, got, close, warns }));
process.exit(0);
