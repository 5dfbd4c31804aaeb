/**
 * A client flooding a WebSocket mock whose process has stopped reading (here: SIGSTOP): the hub
 * closes that client with 1013 before its framework connection to the process passes
 * maxBufferedAmount, so the process keeps its connection and every other rule. Before, the hub
 * dropped the whole connection (a slow consumer), and with it all the process's rules.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { start, waitExit } from "../matrix/_spawn.ts";
import { startServer } from "./_helpers.ts";

const FRAME = "x".repeat(64 * 1024);

test("a flood into a stopped mock's process closes that socket with 1013; the process keeps its rules", { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { maxBufferedAmount: 1024 * 1024 });
  const holder = start("node", "test/fixtures/ws-mock-sink.ts", ["--port", String(server.getPort())]);
  t.after(async () => {
    holder.proc.kill("SIGCONT");
    holder.proc.kill("SIGKILL");
    await waitExit(holder, 10_000, "exit").catch(() => {});
  });
  await holder.nextJson(30_000, "ready");
  assert.equal(await (await fetch(`${server.getUrl()}/alive`)).json(), "alive");

  const client = new WebSocket(`ws://127.0.0.1:${server.getPort()}/sink`);
  await once(client, "open");
  holder.proc.kill("SIGSTOP");
  const closed = once(client, "close") as Promise<[number, Buffer]>;
  // Up to 64 MiB, paced by the client's own buffer: far past what the kernel holds for the stopped process.
  for (let i = 0; i < 1024 && client.readyState === WebSocket.OPEN; i++) {
    client.send(FRAME);
    while (client.bufferedAmount > 1024 * 1024 && client.readyState === WebSocket.OPEN) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const [code] = await closed;
  assert.equal(code, 1013);

  holder.proc.kill("SIGCONT");
  assert.equal(await (await fetch(`${server.getUrl()}/alive`)).json(), "alive", "the process kept its connection and its rules");
});
