/**
 * What a Node hub holds for relayed mock requests whose clients left while the mock's process
 * held them (session 19, leftovers item 5): heap used after GC once N clients (default 10,000)
 * have left, less the same before them, with the process still holding every request (it never
 * answers). Runs alternate between this checkout and LEFT_MEMORY_BASE (another checkout, e.g. the
 * code before a change), each hub a fresh `node --expose-gc` process.
 *   LEFT_MEMORY_BASE=/tmp/base npx tsx bench/mocks-left-memory.ts [pairs=3] [clients=10000]
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { createInterface } from "node:readline";
import { connectMocks } from "../adapters/node.ts";

const pairs = Number(process.argv[2] ?? 3);
const clients = Number(process.argv[3] ?? 10_000);
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const base = process.env["LEFT_MEMORY_BASE"];

function hubSource(root: string): string {
  return `
    import { ServiceHub } from ${JSON.stringify(`${root}/adapters/node.ts`)};
    import { createInterface } from "node:readline";
    const hub = new ServiceHub(0, { maxConnections: ${clients + 2000}, proxyTimeout: 600000 });
    await hub.start();
    console.log(JSON.stringify({ port: hub.getPort() }));
    for await (const line of createInterface({ input: process.stdin })) {
      if (line !== "gc") break;
      for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
      console.log(JSON.stringify({ heap: process.memoryUsage().heapUsed }));
    }
    await hub.teardown();
    process.exit(0);
  `;
}

async function run(root: string): Promise<number> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", hubSource(root)], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  const { port } = await next();
  let held = 0;
  let left = 0;
  const release: Array<() => void> = [];
  // A process whose handler never answers: what the hub holds for it is what is measured.
  const holder = async (path: string) => {
    const mocks = await connectMocks(port);
    await mocks.interceptRequest("GET", path, (request) => {
      held++;
      request.signal.addEventListener("abort", () => left++);
      return new Promise((resolve) => release.push(() => resolve(new Response("late"))));
    });
    return mocks;
  };
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const leave = async (count: number, prefix: string) => {
    const startHeld = held;
    const startLeft = left;
    const requests: http.ClientRequest[] = [];
    for (let i = 0; i < count; i++) {
      const request = http.get({ host: "127.0.0.1", port, path: `${prefix}/${i}`, agent });
      request.on("error", () => {});
      requests.push(request);
      if (i % 200 === 199) await until(() => held - startHeld > i);
      if (process.env["LEFT_MEMORY_DEBUG"] && i % 1000 === 999) console.error(`sent ${i + 1}, held ${held - startHeld}`);
    }
    await until(() => held - startHeld === count);
    for (const request of requests) request.destroy();
    await until(() => left - startLeft === count);
  };
  const heap = async () => {
    child.stdin.write("gc\n");
    return (await next()).heap as number;
  };
  // Warm-up: the same paths once before the baseline, on a connection of its own that then
  // closes (the process's own maxRequestsInFlight, 10,000, would otherwise count its requests too).
  const warm = await holder("/warm/:n");
  await leave(500, "/warm");
  await warm.close();
  const mocks = await holder("/held/:n");
  const before = await heap();
  await leave(clients, "/held");
  const after = await heap();
  child.stdin.end();
  await mocks.close();
  for (const answer of release) answer();
  agent.destroy();
  await new Promise((resolve) => child.once("exit", resolve));
  return after - before;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const MiB = 1024 * 1024;
const results: Record<string, number[]> = { here: [], base: [] };
for (let i = 0; i < pairs; i++) {
  // Alternating order, so that a drift of the machine does not favour one side.
  const order = i % 2 === 0 ? ["here", "base"] : ["base", "here"];
  for (const name of order) {
    if (name === "base" && !base) continue;
    const grew = await run(name === "here" ? here : base!);
    results[name]!.push(grew);
    console.log(`${name} +${(grew / MiB).toFixed(2)} MiB heap for ${clients} clients that left`);
  }
}
for (const [name, values] of Object.entries(results)) {
  if (!values.length) continue;
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name}: median +${(sorted[Math.floor(sorted.length / 2)]! / MiB).toFixed(2)} MiB (min ${(sorted[0]! / MiB).toFixed(2)}, max ${(sorted.at(-1)! / MiB).toFixed(2)}), ${values.length} runs`);
}
