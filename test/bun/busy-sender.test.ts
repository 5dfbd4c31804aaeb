/**
 * A client busy sending one long message on a slow link is alive on a Bun hub: Bun's own idle
 * timeout counts any bytes received, not whole messages (Node and Deno: test/node and
 * test/deno busy-sender tests).
 */
import { expect, test } from "bun:test";
import { openSilentPeer } from "../fixtures/_silentPeer.ts";
import { sendSlowly } from "../fixtures/_slowSender.ts";
import { once, startServer } from "./_setup.ts";

const KiB = 1024;

test("heartbeat 1: a client sending one message for 14 s (no pong meanwhile) is kept and answered, a silent one dropped meanwhile", async () => {
  const server = await startServer({ heartbeat: 1 });
  const dropped: string[] = [];
  const silentGone = once((cb) => server.onClientDisconnect((id, runtimeId) => (dropped.push(runtimeId ?? id), runtimeId === "silent" && cb())));
  const silent = await openSilentPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=silent");
  const send = await sendSlowly(server.getPort(), { path: "orders/import", bytes: 140 * 32 * KiB, chunk: 32 * KiB, everyMs: 100 });
  // Bun's idle limit (at least 8 s) passes while the message is under way: the silent peer shows it.
  await silentGone;
  expect(await send.outcome).toBe("answered");
  expect(dropped).toEqual(["silent"]);
  send.destroy();
  silent.destroy();
  await silent.closed;
  await server.teardown();
}, 30_000);
