// Orchestrator (Node): spawns the hub, runs a client kind, stops the client from reading, resumes it, counts answers.
// usage: node run.mjs <hubRuntime> <clientKind: raw|bunws|ipc> <answerBytes> <backlogMB>
import { spawn } from "node:child_process";
import WebSocket from "ws";
const [hubRt, kind, answerBytes, mb] = process.argv.slice(2);
const ANSWER = Number(answerBytes), COUNT = Math.ceil((Number(mb) * 1e6) / ANSWER);
const bin = { bun: ["node_modules/.bin/bun", ["test/soak/backlog/hub.mjs"]], node: [process.execPath, ["--expose-gc", "--import", "tsx", "test/soak/backlog/hub.mjs"]], deno: ["node_modules/.bin/deno", ["run", "-A", "--no-check", "--v8-flags=--expose-gc", "test/soak/backlog/hub.mjs"]] }[hubRt];
const hub = spawn(bin[0], bin[1], { cwd: new URL("../../..", import.meta.url).pathname, env: { ...process.env, ANSWER: String(ANSWER) }, stdio: ["ignore", "pipe", "inherit"] });
const t0 = Date.now();
let answered = 0; const hubLog = [];
const port = await new Promise((resolve) => {
  let buf = "";
  hub.stdout.on("data", (d) => {
    buf += d; const lines = buf.split("\n"); buf = lines.pop();
    for (const l of lines) {
      if (l.startsWith("PORT ")) resolve(Number(l.slice(5)));
      else if (l.startsWith("ANSWERED ")) answered = Number(l.slice(9));
      else hubLog.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${l.slice(0, 160)}`);
    }
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitAnswered() { // until the hub has answered all, or stopped making progress for 3 s
  let prev = -1, still = 0;
  while (answered < COUNT && still < 15) { await sleep(200); if (answered === prev) still++; else { still = 0; prev = answered; } }
}
const out = { hub: hubRt, kind, answer: ANSWER, mb: Number(mb), count: COUNT };
if (kind === "raw" || kind === "burst") {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=raw`, { maxPayload: 0 });
  let got = 0, close = null;
  ws.on("message", (d) => { if (String(d).startsWith("s:")) got++; });
  ws.on("close", (code, reason) => { close = `${code} ${reason}`; });
  ws.on("error", (e) => { close ??= `error ${e.code ?? e.message}`; });
  await new Promise((r) => ws.once("open", r));
  if (kind === "raw") ws._socket.pause();
  for (let i = 1; i <= COUNT; i++) ws.send(`r:${i}:big:`);
  await waitAnswered();
  out.hubAnswered = answered; out.pausedFor = (Date.now() - t0) / 1000;
  await sleep(1000);
  if (kind === "raw") ws._socket.resume();
  const until = Date.now() + 30000;
  while (got < COUNT && close === null && Date.now() < until) await sleep(100);
  await sleep(close === null ? 500 : 16000); // past a drop: the hub says what it holds 3, 8 and 15 s after
  Object.assign(out, { got, close, lost: COUNT - got, secs: (Date.now() - t0) / 1000 });
  ws.terminate();
} else {
  // Client in its own process; SIGSTOP after it has sent everything, SIGCONT once the hub answered all.
  const rt = kind === "ipcnode" ? [process.execPath, ["--import", "tsx", "test/soak/backlog/client.mjs"]] : ["node_modules/.bin/bun", ["test/soak/backlog/client.mjs"]];
  const child = spawn(rt[0], rt[1], { cwd: new URL("../../..", import.meta.url).pathname, env: { ...process.env, PORT: String(port), COUNT: String(COUNT), KIND: kind }, stdio: ["ignore", "pipe", "inherit"] });
  let cbuf = ""; const clog = [];
  const sent = new Promise((resolve) => child.stdout.on("data", (d) => { cbuf += d; for (const l of String(d).split("\n")) if (l) clog.push(l); if (cbuf.includes("SENT")) resolve(); }));
  await sent;
  child.kill("SIGSTOP");
  await waitAnswered();
  out.hubAnswered = answered; out.pausedFor = (Date.now() - t0) / 1000;
  await sleep(1000);
  child.kill("SIGCONT");
  const done = await Promise.race([new Promise((r) => child.once("exit", r)), sleep(40000).then(() => "timeout")]);
  if (done === "timeout") child.kill("SIGKILL");
  const result = clog.find((l) => l.startsWith("RESULT "));
  Object.assign(out, result ? JSON.parse(result.slice(7)) : { result: "none", exit: done }, { secs: (Date.now() - t0) / 1000 });
}
out.hubLog = hubLog;
console.log(JSON.stringify(out));
hub.kill("SIGKILL");
process.exit(0);
