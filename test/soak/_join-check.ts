/**
 * A joinHub member that follows a hub restarted over and over on its port (a developer's
 * `crossipc hub` restarted all day): its memory after GC, every 50 restarts. Node only:
 *   node --expose-gc --import tsx test/soak/_join-check.ts [restarts]
 */
import process from "node:process";
import { joinHub, ServiceHub } from "../../adapters/node.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const restarts = Number(process.argv[2] ?? 300);
let hub = new ServiceHub(0, { kind: "bin" });
await hub.start();
const port = hub.getPort();
const member = await joinHub(port, { entries: [{ api: "m", baseUrl: "http://127.0.0.1:1", pathPrefix: "/m" }], minRetryDelay: 5, maxRetryDelay: 20 });
const registered = () => new Promise<void>((resolve) => {
  const check = () => (hub.routes().length === 1 ? resolve() : setTimeout(check, 5));
  check();
});
await registered();
for (let i = 1; i <= restarts; i++) {
  await hub.teardown();
  hub = new ServiceHub(port, { kind: "bin" });
  if (!(await hub.start())) throw new Error(`restart ${i}: port taken (the member bid?) role=${member.role}`);
  await registered();
  if (i % 50 === 0) {
    gc();
    console.log(JSON.stringify({ restarts: i, heapMB: Math.round(process.memoryUsage().heapUsed / 1e5) / 10, handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length, role: member.role }));
  }
}
await member.leave();
await hub.teardown();
console.log("done");
