/**
 * The Bun hub's front frees each read of a framework connection once its frames are taken
 * (adapters/_bun-read-release.ts): left to the collector, a hub at 64 KiB × 64 faulted 2–11 times
 * per request (bench/ANALYSIS.md, "Session 21 — Bun at 64 KiB"). What a user would see go wrong is
 * a message whose bytes were freed while still needed: every 64 KiB request here is distinct, many
 * are in flight (so reads hold parts of several frames), and each answer must equal its request.
 * The count: every large read the front got after the upgrade was freed when its callback returned.
 */
import { expect, test } from "bun:test";
import { RELEASED_FROM } from "../../adapters/_bun-read-release.ts";
import { connect, crossipc, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<string, string>("echo");

/** Wraps `Bun.listen` so the front's reads are seen after it handled them. */
function watchReads(): { after: Array<{ bytes: number; freed: boolean }>; counting: { on: boolean }; restore(): void } {
  const bun = (globalThis as unknown as { Bun: { listen: (options: { socket: { data: (socket: unknown, bytes: Uint8Array) => void } }) => unknown } }).Bun;
  const listen = bun.listen;
  const after: Array<{ bytes: number; freed: boolean }> = [];
  const counting = { on: false };
  bun.listen = (options) => {
    const data = options.socket.data;
    options.socket.data = (socket, bytes) => {
      const length = bytes.byteLength;
      data(socket, bytes);
      if (counting.on) after.push({ bytes: length, freed: bytes.byteLength === 0 });
    };
    return listen.call(bun, options);
  };
  return { after, counting, restore: () => void (bun.listen = listen) };
}

test("behind the front, 64 KiB requests at 32 in flight are answered intact, and every large read is freed once handled", async () => {
  const reads = watchReads();
  const server = await startServer({ resettableConnections: true });
  reads.restore();
  server.onFrameworkMessage(echo, (text) => text);
  const client = await connect(server, "reads");
  reads.counting.on = true;
  const texts = Array.from({ length: 160 }, (_, i) => `${i}:`.padEnd(64 * 1024, String.fromCharCode(97 + (i % 26))) + "é€😀");
  let next = 0;
  const answers: string[] = [];
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < texts.length) {
        const i = next++;
        answers[i] = await client.sendFrameworkRequest(echo, texts[i]!);
      }
    }),
  );
  reads.counting.on = false;
  for (let i = 0; i < texts.length; i++) expect(answers[i] === texts[i]).toBe(true);
  // 160 requests of 64 KiB: many large reads, each freed (byteLength 0 once detached), none left to the collector.
  const large = reads.after.filter((read) => read.bytes >= RELEASED_FROM);
  expect(large.length).toBeGreaterThan(10);
  expect(large.filter((read) => !read.freed)).toEqual([]);
  client.disconnect();
  await server.teardown();
}, 60_000);
