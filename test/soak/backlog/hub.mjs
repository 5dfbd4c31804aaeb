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
server.onClientDisconnect((id) => console.log(`DISCONNECT ${id} after ${n}`));
console.log(`PORT ${server.getPort()}`);
let last = -1;
setInterval(() => { if (n !== last) { last = n; console.log(`ANSWERED ${n}`); } }, 200);
