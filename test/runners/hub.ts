/**
 * The one hub every runner's suite talks to: a ServiceHub (what `crossipc hub` runs) with its
 * dashboard, and a journal large enough that no file's entries are pushed out of the ring while
 * eight files of each runner fill it (the CLI keeps the default 1 000), and a heartbeat that lets
 * a test process starved of CPU for seconds keep its connection (see STARVED_MS). Prints
 * `{"port":N,"runtime":…}` once listening; tears down when stdin ends.
 */
import process from "node:process";
import { crossipc, runtime } from "../fixtures/_crossipc.ts";

const logger = { warn: (message: string) => console.error(`hub warn: ${message}`), error: (message: string) => console.error(`hub error: ${message}`) };
const hub = new crossipc.ServiceHub(0, { dashboard: true, journal: { size: 100_000 }, proxyTimeout: 30_000, heartbeat: 30, logger });
if (!(await hub.start())) throw new Error("the hub could not listen on port 0");
console.log(JSON.stringify({ port: hub.getPort(), runtime, pid: process.pid }));
process.stdin.resume();
process.stdin.on("end", async () => {
  process.stdin.pause();
  await hub.teardown();
});
