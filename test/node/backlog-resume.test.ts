/**
 * A framework client that stops reading while answers pile up for it, then reads again, on hubs
 * under Node, Bun and Deno (each its own process, `test/fixtures/backlog-hub.ts`; the client is
 * `ws` here, its socket paused). Below `maxBufferedAmount` every answer arrives, in order: tens of
 * MiB wait in the hub (the Bun and Deno fronts' own queues, Node's socket) beyond what the kernel
 * buffers take, and leave as the socket drains. Past it the hub drops the client as a slow
 * consumer at once, with no close frame (it would wait behind what the client does not read: the
 * client sees 1006), logs the bound, and serves on. A client and a hub in one process share an
 * event loop: the hub answers a whole burst before the client reads a byte, so such a test
 * reaches the bound at a smaller backlog than two processes do.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { RUNTIMES, start, waitExit, type Child } from "../matrix/_spawn.ts";

const MiB = 1024 * 1024;
const ANSWER = 12 * 1024;
const MAX_BUFFERED = 32 * MiB;

interface HubLine {
  port?: number;
  answered?: number;
  warn?: string;
}

/** The hub's lines, read on as they come: its latest count and its warnings. */
function follow(hub: Child): { answered: () => number; warnings: string[]; stop: () => Promise<void> } {
  const state = { answered: 0, warnings: [] as string[], stopped: false };
  void (async () => {
    for (;;) {
      const line = await hub.nextJson<HubLine>(600_000, "a line").catch(() => undefined);
      if (!line) return;
      if (line.answered !== undefined) state.answered = line.answered;
      if (line.warn !== undefined) state.warnings.push(line.warn);
      if ("stopped" in line) return void (state.stopped = true);
    }
  })();
  return {
    answered: () => state.answered,
    warnings: state.warnings,
    /** Tears the hub down; it says so, exits, and printed nothing on stderr. */
    async stop() {
      hub.proc.stdin.end();
      await until(() => state.stopped, "the hub's teardown", 10_000);
      await waitExit(hub, 10_000, "exit after teardown");
      assert.equal(hub.stderr().trim(), "");
    },
  };
}

/** The data of the successful answer to request `i`, if `text` is one. */
function dataOf(text: string, i: number): string | undefined {
  const head = `s:${i}:big:`;
  if (!text.startsWith(head)) return undefined;
  const { success, data } = JSON.parse(text.slice(head.length)) as { success: boolean; data: unknown };
  return success && typeof data === "string" ? data : undefined;
}

async function until(done: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A framework connection whose socket is paused, `count` requests sent on it. */
async function pausedClient(port: number, count: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=backlog`, { maxPayload: 0 });
  const texts: string[] = [];
  let closed: number | undefined;
  ws.on("message", (data) => texts.push(data.toString()));
  ws.on("close", (code) => (closed = code));
  ws.on("error", () => {});
  await once(ws, "open");
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  for (let i = 1; i <= count; i++) ws.send(`r:${i}:big:${i}`);
  return { ws, texts, closed: () => closed, resume: () => socket.resume() };
}

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: 24 MiB of answers held for a client that stopped reading all arrive, in order, once it reads again`, { timeout: 90_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/backlog-hub.ts", ["--answer", String(ANSWER), "--max-buffered", String(MAX_BUFFERED)]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<HubLine>(60_000, "listening port");
    const lines = follow(hub);
    const count = (24 * MiB) / ANSWER;
    const client = await pausedClient(port!, count);
    await until(() => lines.answered() === count, `the hub answers all ${count} (at ${lines.answered()})`, 30_000);
    client.resume();
    await until(() => client.texts.length === count || client.closed() !== undefined, `every answer (${client.texts.length} of ${count})`, 30_000);
    assert.equal(client.closed(), undefined, "the connection stays open");
    for (const [index, text] of client.texts.entries()) {
      const i = index + 1;
      if (dataOf(text, i)?.length !== ANSWER || !dataOf(text, i)!.startsWith(`${i}:x`)) assert.fail(`answer ${i} is ${text.slice(0, 60)}… (${text.length} characters)`);
    }
    assert.deepEqual(lines.warnings, []);
    client.ws.terminate();
    await lines.stop();
  });

  test(`${runtime} hub: past maxBufferedAmount a client that stopped reading is dropped (1006), the bound logged, and the hub serves on`, { timeout: 90_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/backlog-hub.ts", ["--answer", String(ANSWER), "--max-buffered", String(MAX_BUFFERED)]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<HubLine>(60_000, "listening port");
    const lines = follow(hub);
    const client = await pausedClient(port!, (48 * MiB) / ANSWER);
    await until(() => lines.warnings.length > 0, "the hub's warning", 30_000);
    assert.match(lines.warnings[0]!, new RegExp(`Dropping slow client .*limit ${MAX_BUFFERED}\\)`));
    client.resume();
    await until(() => client.closed() !== undefined, "the client's close", 10_000);
    assert.equal(client.closed(), 1006);
    const fresh = await pausedClient(port!, 1);
    fresh.resume();
    await until(() => fresh.texts.length === 1, "an answer on a new connection", 10_000);
    assert.ok(dataOf(fresh.texts[0]!, 1)?.startsWith("1:x"), fresh.texts[0]!.slice(0, 60));
    fresh.ws.terminate();
    await lines.stop();
  });
}
