/**
 * The client process of bench/front-ab.ts, on Bun or Deno: one `IPCClient` of the checkout given
 * sending the ~100 B payload of the rpc cases (the 64 KiB text one with AB_PAYLOAD=64k),
 * `inflight` at a time, to the hub on `port`. Prints `{"pid":N}` once connected and warmed up;
 * then each line read from stdin (a number of ms) runs the loop that long and prints how many
 * requests were answered. Stops when stdin ends. Each arm runs its own checkout's copy (copy
 * this file into a checkout that lacks it), so each is measured with its own `IPCClient`.
 *   bun bench/front-ab-client.ts <port> <inflight>
 *   deno run -A bench/front-ab-client.ts <port> <inflight>
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { smallPayload, textPayload } from "./_rt.ts";

const [port, inflight] = [Number(process.argv[2]), Number(process.argv[3] ?? 1)];
const runtime = "Deno" in globalThis ? "deno" : "bun";
const { IPCClient, IPCServer } = (await import(`../adapters/${runtime}.ts`)) as typeof import("../adapters/bun.ts");
const echo = IPCServer.defineRequest<unknown, unknown>("bench/echo");
const payload = process.env["AB_PAYLOAD"] === "64k" ? textPayload() : smallPayload();
const client = new IPCClient(port);
await client.connect("bench");
const send = () => client.sendFrameworkRequest(echo as never, payload as never);
for (let i = 0; i < 2000; i++) await send();

async function run(ms: number): Promise<number> {
  const stop = performance.now() + ms;
  let count = 0;
  const worker = async () => {
    while (performance.now() < stop) {
      await send();
      count++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return count;
}

console.log(JSON.stringify({ pid: process.pid }));
const lines = createInterface({ input: process.stdin });
for await (const line of lines) console.log(String(await run(Number(line))));
client.disconnect();
process.exit(0);
