// Same process (as the helper's test): Bun IPCServer + rawPeer (node:net in Bun), paused, then resumed.
import { crossipc, startServer } from "../../bun/_setup.ts";
import { frame, rawPeer } from "../../fixtures/_rawPeer.ts";
const ANSWER = Number(process.argv[2]), MB = Number(process.argv[3]);
const COUNT = Math.ceil((MB * 1e6) / ANSWER);
const warns = [];
const server = await startServer({ resettableConnections: true, logger: { warn: (m) => warns.push(m), error() {}, info() {}, debug() {} } });
let n = 0; const answer = "x".repeat(ANSWER);
server.onFrameworkMessage(crossipc.IPCServer.defineRequest("big"), () => (n++, answer));
const peer = await rawPeer(server.getPort(), "same");
let closed = false; peer.closed.then(() => (closed = true));
peer.socket.pause();
const reqs = [];
for (let i = 1; i <= COUNT; i++) reqs.push(frame(1, `r:${i}:big:`));
peer.socket.write(Buffer.concat(reqs));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let prev = -1, still = 0;
while (n < COUNT && still < 15) { await sleep(200); if (n === prev) still++; else { still = 0; prev = n; } }
const answered = n;
await sleep(1000);
peer.socket.resume();
const until = Date.now() + 30000;
while (peer.texts().length < COUNT && !closed && Date.now() < until) await sleep(100);
await sleep(500);
console.log(JSON.stringify({ ANSWER, MB, COUNT, answered, got: peer.texts().length, closed, warns }));
process.exit(0);
