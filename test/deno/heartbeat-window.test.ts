/**
 * How late a peer may answer a ping on a Deno hub. Deno's `idleTimeout: N` pings after N/2 s
 * without a message and drops the peer N/2 s later; given the heartbeat as N, a busy client
 * (a loaded machine, a long synchronous task, a large message in the way of its pong) had half
 * a heartbeat to answer, where Node's hub gives it a whole one.
 */
import assert from "node:assert/strict";
import { openSlowPongPeer } from "../fixtures/_slowPongPeer.ts";
import { Deno, once, startServer } from "./_deno.ts";

Deno.test("heartbeat 2: a peer answering each ping 1.4 s late stays connected; one answering none is dropped", async () => {
  const server = await startServer({ heartbeat: 2 });
  const silentGone = once<[string, string?]>((cb) => server.onClientDisconnect((id, rid) => rid === "silent" && cb(id, rid)));
  const slow = await openSlowPongPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=slow", 1400);
  const silent = await openSlowPongPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=silent", 60_000);
  // The silent peer shows the limit is in force; the slow one was pinged again after its late
  // pong, so that pong counted.
  await silentGone;
  await slow.ping(2);
  assert.equal(await Promise.race([slow.closed.then(() => "closed"), Promise.resolve("open")]), "open");
  const slowGone = once((cb) => server.onClientDisconnect(cb));
  slow.destroy();
  silent.destroy();
  await Promise.all([slowGone, slow.closed, silent.closed]);
  await server.teardown();
});
