/**
 * What a Deno hub does with a client busy sending one long message: Deno's WebSocket idle
 * timeout counts whole messages (and pongs) only, and a server-side Deno WebSocket shows no
 * bytes before a message is whole, so such a client is dropped once its message has taken
 * longer than two heartbeats (README, "Per runtime": what counts as a sign of life). This pins that known gap: when Deno
 * starts counting bytes, this test fails and the README's runtime note is to be updated.
 * Node and Bun hubs keep the client (test/node and test/bun busy-sender tests).
 */
import assert from "node:assert/strict";
import { sendSlowly } from "../fixtures/_slowSender.ts";
import { Deno, startServer } from "./_deno.ts";

Deno.test("heartbeat 1: a client sending one message for 4 s is dropped (a known gap of Deno's idle timeout)", async () => {
  const server = await startServer({ heartbeat: 1 });
  const send = await sendSlowly(server.getPort(), { path: "orders/import", bytes: 40 * 32 * 1024, chunk: 32 * 1024, everyMs: 100 });
  assert.equal(await send.outcome, "closed");
  send.destroy();
  await server.teardown();
});
