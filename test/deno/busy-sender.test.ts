/**
 * What a Deno hub does with a client busy sending one long message. Behind the hub's TCP front
 * (the default) the front reads a framework connection's frames itself and shows `Deno.serve` an
 * empty pong once a second while bytes arrive, so such a client is kept, as on Node and Bun. On
 * `Deno.serve` alone, Deno's WebSocket idle timeout counts whole messages (and pongs) only, and a
 * server-side Deno WebSocket shows no bytes before a message is whole, so such a client is
 * dropped once its message has taken longer than two heartbeats (README, "Per runtime": what
 * counts as a sign of life). This pins that known gap: when Deno starts counting bytes, this test
 * fails and the README's runtime note is to be updated.
 */
import assert from "node:assert/strict";
import { sendSlowly } from "../fixtures/_slowSender.ts";
import { Deno, startServer } from "./_deno.ts";

for (const fronted of [true, false]) {
  const outcome = fronted ? "answered" : "closed";
  Deno.test(`heartbeat 1: a client sending one message for 4 s is ${outcome} ${fronted ? "behind the front" : "on Deno.serve alone (a known gap of Deno's idle timeout)"}`, async () => {
    const server = await startServer({ heartbeat: 1, resettableConnections: fronted });
    const send = await sendSlowly(server.getPort(), { path: "orders/import", bytes: 40 * 32 * 1024, chunk: 32 * 1024, everyMs: 100 });
    assert.equal(await send.outcome, outcome);
    send.destroy();
    await server.teardown();
  });
}
