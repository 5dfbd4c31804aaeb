/**
 * A framework connection behind the Bun hub's front, whose data frames the front carries itself
 * (adapters/_ws-direct.ts), keeps what `Bun.serve` does with them: the cases of
 * test/fixtures/front-frames-cases.ts (shared with test/deno/front-frames.test.ts), each behind
 * the front and on `Bun.serve` alone (`resettableConnections: false`), with the same answers;
 * and a client that pings without reading cut off behind the front. Raw frames over `node:net`.
 */
import { expect, test } from "bun:test";
import { frontFramesCases, frontOnlyCases } from "../fixtures/front-frames-cases.ts";
import { frame, pingWithoutReading, rawPeer } from "../fixtures/_rawPeer.ts";
import { crossipc, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");
const runtime = { serverName: "Bun.serve", lenientAlone: false, start: startServer, defineEcho: () => echo };

for (const fronted of [true, false]) {
  for (const [name, run] of frontFramesCases(runtime, fronted)) test.concurrent(name, run);
}
for (const [name, run] of frontOnlyCases(runtime)) test.concurrent(name, run);

// Behind the front `Bun.serve`'s pongs pass through the front's own queue to the client, which
// grew without end for a client that pings and never reads: now cut off past maxBufferedAmount
// plus one message, `Bun.serve`'s own backpressureLimit (past which `Bun.serve` alone takes the
// pings and drops its pongs, which a client cannot tell from holding them: only the front is checked).
test("behind the front: a client that pings and never reads is cut off, and the hub serves on", async () => {
  const server = await startServer({ maxBufferedAmount: 64 * 1024, maxMessageSize: 64 * 1024, resettableConnections: true });
  expect(await pingWithoutReading(server.getPort(), "pinger")).toBe("cut");
  const other = await rawPeer(server.getPort(), "after-pings");
  await other.write(frame(1, "r:1:echo:1"));
  server.onFrameworkMessage(echo, (x) => x);
  await other.until(() => other.texts().length === 1);
  other.socket.destroy();
  await server.teardown();
}, 60_000);
