// A hub in its own process: answers "big" with ANSWER bytes; prints port, counts, warnings, disconnects.
const runtime = typeof globalThis.Bun !== "undefined" ? "bun" : typeof globalThis.Deno !== "undefined" ? "deno" : "node";
const mod = await import(`../../../adapters/${runtime}.ts`);
const env = (k) => (runtime === "deno" ? globalThis.Deno.env.get(k) : process.env[k]);
const size = Number(env("ANSWER"));
const answer = "x".repeat(size);
const hb = env("HEARTBEAT");
const server = new mod.IPCServer(0, {
  ...(hb !== undefined ? { heartbeat: Number(hb) } : {}),
  logger: { warn: (m) => console.log("WARN " + m), error: (m) => console.log("ERROR " + m), info() {}, debug() {} },
});
await server.start();
let n = 0;
server.onFrameworkMessage(mod.IPCServer.defineRequest("big"), () => {
  n++;
  return answer;
});
const rss = () => {
  const m = process.memoryUsage();
  return `${Math.round(m.rss / 1e6)} MB, heap+external ${Math.round((m.heapUsed + m.external) / 1e6)}`;
};
const gc = () => (globalThis.Bun ? globalThis.Bun.gc(true) : globalThis.gc?.());
console.log(`RSS at start ${rss()} MB`);
server.onClientDisconnect((id) => {
  console.log(`DISCONNECT ${id} after ${n}; RSS ${rss()} MB`);
  // What the hub still holds once the client is gone (after a collection where the runtime offers one).
  for (const s of [3, 8, 15]) setTimeout(() => (gc(), console.log(`RSS ${s} s after ${rss()} MB`)), s * 1000);
});
console.log(`PORT ${server.getPort()}`);
let last = -1;
setInterval(() => { if (n !== last) { last = n; console.log(`ANSWERED ${n}`); } }, 200);
