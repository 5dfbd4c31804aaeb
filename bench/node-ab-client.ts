/**
 * The client process of bench/node-ab.ts, on Node (compiled, as node-ab-server.ts): one client
 * sending the rpc cases' ~100 B payload (64 KiB text with AB_PAYLOAD=64k, N bytes of it with AB_PAYLOAD=N) to "echo", `inflight`
 * at a time, as the bench's `promiseLoop` does.
 *   node bench/.build/bench/node-ab-client.js <port> decode|plain|ipc|orig|raw <inflight>
 * decode / plain: the two reference clients (bench/_reference.ts: the one that decodes every answer
 * as the original's client does, and the one that does not); ipc: this checkout's `IPCClient`;
 * orig: the original design's client (bench/_original.ts); raw: the raw echo's client (bench/_raw.ts,
 * `ws` sending the next message from the last one's `message` event, as the bench's raw echo rows), sending
 * the request frame `r:1:echo:DATA` and counting any message as its answer: against the raw server it
 * is the raw echo, against a framework server it drives that server with no client work beyond `ws`'s.
 * Prints `{"pid":N}` once connected and warmed up; then each line read from stdin (a number of ms)
 * runs the loop that long and prints how many requests were answered. Stops when stdin ends.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { smallPayload, textPayload } from "./_rt.ts";

const [port, kind, inflight] = [Number(process.argv[2]), process.argv[3] ?? "decode", Number(process.argv[4] ?? 1)];
const given = process.env["AB_PAYLOAD"];
// A number: a text payload of about that many bytes (the Node client's frames by length).
const payload = given === "64k" ? textPayload() : given !== undefined && /^\d+$/.test(given) ? textPayload(Number(given)) : smallPayload();

let send: () => Promise<unknown>;
let close: () => void;
/** The raw client's own loop (callbacks, no promise per request), as the bench's raw echo rows run it. */
let rawLoop: ((ms: number) => Promise<number>) | undefined;
if (kind === "raw") {
  const { connectRaw } = await import("./_raw.ts");
  const client = await connectRaw(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=raw`);
  const frame = `r:1:echo:${JSON.stringify(payload)}`;
  send = () => {
    const answered = client.next();
    client.send(frame);
    return answered;
  };
  rawLoop = async (ms) => (await client.echo(inflight, frame, ms)).count;
  close = () => client.close();
} else if (kind === "decode" || kind === "plain") {
  const { connectReferenceClient } = await import("./_reference.ts");
  const client = await connectReferenceClient(port, kind === "decode" ? "reference-decoding" : "reference", { decode: kind === "decode" });
  // The DATA text is serialised once, as the bench's driver does (bench/driver.ts, `ref-rpc`).
  const json = JSON.stringify(payload);
  send = () => client.request("echo", json);
  close = () => client.close();
} else if (kind === "orig") {
  const { OriginalClient } = await import("./_original.ts");
  const client = new OriginalClient(port);
  await client.connect("bench");
  send = () => client.sendFrameworkRequest("echo", payload);
  close = () => client.disconnect();
} else {
  const { IPCClient, IPCServer } = await import("../adapters/node.ts");
  const echo = IPCServer.defineRequest<unknown, unknown>("echo");
  const client = new IPCClient(port);
  await client.connect("bench");
  send = () => client.sendFrameworkRequest(echo as never, payload as never);
  close = () => client.disconnect();
}
for (let i = 0; i < 2000; i++) await send();

async function run(ms: number): Promise<number> {
  if (rawLoop) return rawLoop(ms);
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
close();
process.exit(0);
