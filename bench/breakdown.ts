/**
 * The framework path's own work per request, in process and without a socket (issue 20): each
 * piece timed alone, in CPU time, on the runtime that runs this file. What a real round trip
 * adds around it (the runtime's WebSocket, the kernel's write and wake-up, GC of what each frame
 * leaves) is what the layers family (bench/cases/layers.ts) measures between processes.
 *
 *   node --import tsx bench/breakdown.ts   |   bun bench/breakdown.ts   |   deno run -A bench/breakdown.ts
 * Prints one line per piece: CPU µs per request (median of 15 rounds), for ~100 B and 64 KiB payloads.
 */
import process from "node:process";
import { IPCSocket } from "../src/IPCSocket.ts";
import { decodeData, encodeFrame, parseFrame } from "../src/protocol.ts";
import { FrameworkActivity } from "../src/server/_activity.ts";
import { FrameworkClients } from "../src/server/_clients.ts";
import { Journal } from "../src/server/journal.ts";
import { median, payloadFor, runtime, type PayloadSize } from "./_rt.ts";

const ROUNDS = 15;

/** CPU µs per call of `fn`, `n` calls per round; `settle` lets promise work finish inside the round. */
async function cpuPer(n: number, fn: (i: number) => unknown, settle = false): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const result = fn(i);
      if (settle && i % 64 === 63) await result;
    }
    if (settle) await new Promise((resolve) => setTimeout(resolve, 0));
    const used = process.cpuUsage(before);
    if (r > 0) rounds.push((used.user + used.system) / n);
  }
  return median(rounds);
}

/** The server's path from crossws's message hook on: FrameworkClients → IPCSocket → activity (+ journal) → handler → answer. */
function serverPath(journalOn: boolean): (frame: string) => void {
  const journal = new Journal(journalOn ? undefined : false, { list: () => [], reset() {} });
  const activity = new FrameworkActivity(journal.enabled ? journal : undefined);
  const clients = new FrameworkClients({ requestTimeout: 10_000, maxBufferedAmount: 64 * 1024 * 1024, maxClients: 1000, onUnhandled: (s, p) => activity.unhandled(s, p) });
  // The handler gets `(payload, msg)` as onFrameworkMessage hands it.
  const echo = (payload: unknown, _msg: unknown) => payload;
  clients.handlers.set("echo", activity.incoming("echo", (data, socket) => echo(data, { clientId: socket.clientId!, runtimeId: socket.runtimeId, data })));
  const peer = { send() {}, bufferedAmount: 0, close() {}, terminate() {}, context: {} } as never;
  clients.open(peer, "bench");
  return (frame) => clients.receive(peer, frame);
}

async function measure(size: PayloadSize): Promise<Array<[string, number]>> {
  const payload = payloadFor(size);
  const json = JSON.stringify(payload);
  const request = `r:1:echo:${json}`;
  const answer = encodeFrame("s", "1", "echo", { success: true, data: payload });
  const n = size === "small" ? 20_000 : 300;
  const rows: Array<[string, number]> = [];
  const parsed = parseFrame(request)!;

  rows.push(["server: parse the frame (parseFrame)", await cpuPer(n, () => parseFrame(request))]);
  rows.push(["server: JSON.parse the request DATA", await cpuPer(n, () => decodeData(parsed.rawData))]);
  rows.push(["server: build the answer frame (stringify + join)", await cpuPer(n, () => encodeFrame("s", "1", "echo", { success: true, data: payload }))]);
  const bare = new IPCSocket({ send() {}, close() {} }, { attach: false });
  bare.onRequest("echo", (data) => data);
  rows.push(["server: IPCSocket.receive → handler → answer (all of the above)", await cpuPer(n, () => bare.receive(request))]);
  const withoutJournal = serverPath(false);
  rows.push(["server: + client registry, traffic count (journal off)", await cpuPer(n, () => withoutJournal(request))]);
  const full = serverPath(true);
  rows.push(["server: + the journal (the default server)", await cpuPer(n, () => full(request))]);

  // The client: request() to a target that answers in the same tick, as a loopback peer would later.
  let client!: IPCSocket;
  client = new IPCSocket({ send: (frame) => void queueMicrotask(() => client.receive(`s${frame.slice(1, frame.indexOf(":", 2))}${answer.slice(answer.indexOf(":", 2))}`)), close() {} }, { attach: false });
  rows.push(["client: request() → answer decoded → promise settled", await cpuPer(n, () => client.request("echo", payload), true)]);
  rows.push(["client: JSON.stringify the request (inside the above)", await cpuPer(n, () => JSON.stringify(payload))]);
  rows.push(["client: JSON.parse the answer (inside the above)", await cpuPer(n, () => JSON.parse(parseFrame(answer)!.rawData))]);
  rows.push(["timers: setTimeout + clearTimeout per request (the original's)", await cpuPer(n, () => clearTimeout(setTimeout(() => {}, 10_000)))]);
  rows.push(["timers: performance.now() per request (crossipc's shared timer)", await cpuPer(n, () => performance.now())]);
  if (runtime() === "node") {
    const { corkForTick } = await import("../adapters/_node-cork.ts");
    const socket = { destroyed: false, cork() {}, uncork() {} };
    const transport = { _socket: socket };
    // One frame per turn of the event loop, as at 1 in flight: the bookkeeping and the setImmediate it schedules.
    rows.push(["write batching (Node): corkForTick, one frame per turn", await cpuPer(n, () => (corkForTick(transport, 100), new Promise<void>((resolve) => setImmediate(resolve))), true)]);
    rows.push(["  baseline: an empty setImmediate round", await cpuPer(n, () => new Promise<void>((resolve) => setImmediate(resolve)), true)]);
  }
  return rows;
}

for (const size of ["small", "64k"] as const) {
  for (const [what, us] of await measure(size)) console.log(`${runtime().padEnd(5)} ${size.padEnd(5)} ${us.toFixed(3).padStart(8)} µs  ${what}`);
}
process.exit(0);
