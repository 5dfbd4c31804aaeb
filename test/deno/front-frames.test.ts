/**
 * A framework connection behind the Deno hub's TCP front, whose data frames the front carries
 * itself (adapters/_deno-front-frames.ts, adapters/_ws-direct.ts), keeps what `Deno.serve` does
 * with them: the cases of test/fixtures/front-frames-cases.ts (shared with
 * test/bun/front-frames.test.ts), each behind the front and on `Deno.serve` alone
 * (`resettableConnections: false`), with the same answers except where the front answers as
 * Node's and Bun's hubs do and `Deno.serve` does not (1007 for invalid UTF-8, 1002 for an
 * unmasked frame or a control frame whose length is not in the 7-bit form, 1002 or 1007 for a bad
 * close frame); and here, a client that reads nothing dropped once too much is queued for it, and
 * one that pings without reading. Raw frames over `node:net`.
 */
import assert from "node:assert/strict";
import { floodClient } from "../fixtures/_flood.ts";
import { frontFramesCases, frontOnlyCases } from "../fixtures/front-frames-cases.ts";
import { pingWithoutReading, rawPeer } from "../fixtures/_rawPeer.ts";
import { connect, crossipc, Deno, once, startServer, type Server } from "./_deno.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");
const runtime = { serverName: "Deno.serve", lenientAlone: true, start: startServer, defineEcho: () => echo };

for (const fronted of [true, false]) {
  for (const [name, run] of frontFramesCases(runtime, fronted)) Deno.test(name, run);
  const where = fronted ? "behind the front" : "on Deno.serve alone";
  const start = (options: ConstructorParameters<typeof crossipc.IPCServer>[1] = {}): Promise<Server> => startServer({ ...options, resettableConnections: fronted });

  Deno.test(`${where}: a client that does not read is dropped once too much is queued for it`, async () => {
    const warnings: string[] = [];
    const server = await start({ maxBufferedAmount: 256 * 1024, logger: { warn: (message: string) => void warnings.push(message) } });
    const gone = once((cb) => server.onClientDisconnect((_id, runtimeId) => runtimeId === "sloth" && cb()));
    const peer = await rawPeer(server.getPort(), "sloth");
    peer.socket.pause();
    await floodClient(server, "sloth", 2000);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([gone.then(() => "gone"), new Promise((resolve) => (timer = setTimeout(resolve, 2_000, "still registered 2 s later")))]);
    clearTimeout(timer);
    assert.equal(outcome, "gone");
    assert.ok(warnings.some((w) => /slow client/i.test(w)));
    // It reads again: what reached it, then the end of the connection. Behind the front it is cut
    // off with what was queued for it (a close frame would wait behind all of it). `Deno.serve`'s
    // sockets cannot be cut: it gets a close frame (1008) behind the queue, and Deno waits for the
    // client's answer, as after its 1009 (README), so this client, which answers nothing, hangs up.
    // (There the drop threw, and the client stayed registered, answers still queued for it, until
    // Deno's idle timeout, 10 s.)
    peer.socket.resume();
    assert.equal(await Promise.race([peer.closeCode(), peer.closed.then(() => "closed with no close frame")]), fronted ? "closed with no close frame" : 1008);
    if (!fronted) peer.socket.destroy();
    await peer.closed;
    server.onFrameworkMessage(echo, (x) => x);
    const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
    assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
    fresh.disconnect();
    await server.teardown();
  });

  // Behind the front the server's pongs pass through the front's own queue to the client, which
  // grew without end for a client that pings and never reads; `Deno.serve` alone stops reading it.
  Deno.test(`${where}: a client that pings and never reads is ${fronted ? "cut off" : "held by TCP"}, and the hub serves on`, async () => {
    const server = await start({ maxBufferedAmount: 64 * 1024, maxMessageSize: 64 * 1024 });
    // Where holding is the expected outcome, 10 s of it is enough to tell.
    const outcome = await pingWithoutReading(server.getPort(), "pinger", { heldAfterMs: fronted ? 30_000 : 10_000 });
    assert.ok(fronted ? outcome === "cut" : outcome !== "took all", outcome);
    server.onFrameworkMessage(echo, (x) => x);
    const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
    assert.equal(await fresh.sendFrameworkRequest(echo, "still serving"), "still serving");
    fresh.disconnect();
    await server.teardown();
  });
}
for (const [name, run] of frontOnlyCases(runtime)) Deno.test(name, run);
