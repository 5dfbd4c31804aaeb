/**
 * A live stream that gives way to a newer one (past `maxStreams`) lets go of what was still queued
 * for it, as a reader dropped for not reading does: the oldest stream is most often one that
 * stopped reading, and its queue (up to `maxUnsent`) stayed for as long as its client kept the
 * connection open, so each stream pushed out this way added that much to the hub.
 *
 * Driven on `EventStreams` itself: a stream nobody reads from keeps all it was given in its queue,
 * where over a socket the kernel's buffers first take a varying share of it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EventStreams } from "../../src/dashboard/_events.ts";
import type { StateInput } from "../../src/dashboard/_state.ts";
import { startServer } from "./_helpers.ts";

test("a stream that gives way keeps nothing it had queued: it gets the replaced event alone, then ends", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t, { dashboard: false, journal: { size: 100 } });
  server.interceptHttp("GET", "/fill/:n", () => "x");
  // ~4 KiB entries: 20 of them are far more than a 16 KiB queue takes.
  for (let n = 0; n < 20; n++) await (await fetch(`${server.getUrl()}/fill/${n}?pad=${"p".repeat(2000)}`)).text();
  const warnings: string[] = [];
  const state: StateInput = {
    server: {},
    url: server.getUrl(),
    startedAt: Date.now(),
    tokenRequired: false,
    clients: [],
    routes: [],
    mocks: { size: 0, inScope: () => ({ count: 0, rules: [] }), scopes: () => [] } as unknown as StateInput["mocks"],
    journal: server.journal,
    faults: [],
  };
  const streams = new EventStreams({ journal: server.journal, state: () => state, logger: { warn: (message: string) => void warnings.push(message) } }, { maxStreams: 1, maxUnsent: 16 * 1024 });
  t.after(() => streams.close());

  // Opened from the first entry and never read: its queue fills to the limit at once.
  const oldest = streams.open(0);
  const newest = streams.open();

  const names = [...(await readAll(oldest)).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
  assert.deepEqual(names, ["replaced"], "the stream that gave way still held what had been queued for it");
  assert.deepEqual(warnings, ["[crossipc] Dropping the oldest dashboard event stream: 1 open (the most at once), and a new one came"]);
  // The newest is served as any stream.
  const reader = newest.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /^event: state\n/);
  await reader.cancel();
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
