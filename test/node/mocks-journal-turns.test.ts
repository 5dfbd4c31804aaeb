/**
 * A connection's journal reads and waits each scan every entry the ring holds, and a glob over
 * long paths makes a scan slow (../../src/mocks/_journalTurns.ts). A burst of them from one
 * connection ran back to back, and another connection's request waited behind the whole burst:
 * now the hub answers it between the burst's scans.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { Socket } from "node:net";
import { rawSocket, startServer } from "./_helpers.ts";
import { JournalTurns } from "../../src/mocks/_journalTurns.ts";

const BURST = 20;

test("another connection's journal read is answered between one connection's burst of slow journal scans, not after it", async (t) => {
  const server = await startServer(t, { journal: { size: 300 } });
  // Paths where a short piece's first character is everywhere: each entry's scan compares at every place.
  const long = `/a${"a".repeat(7_000)}`;
  for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.getUrl()}${long}`).then((r) => r.arrayBuffer())));

  const heavy = await rawSocket(server.getPort());
  const other = await rawSocket(server.getPort());
  t.after(() => {
    heavy.close();
    other.close();
  });
  for (const raw of [heavy, other]) {
    raw.send('r:h:__crossipc/mocks/hello:{"protocol":1}');
    assert.match(await raw.next(), /"success":true/);
  }

  const order: string[] = [];
  heavy.ws.on("message", (data) => order.push(`heavy ${String(data).split(":")[1]}`));
  other.ws.on("message", () => order.push("other"));
  const firstOfBurst = new Promise<void>((resolve) => heavy.ws.once("message", () => resolve()));
  // The burst in one write, so that the hub reads it whole at once.
  const socket = (heavy.ws as unknown as { _socket: Socket })._socket;
  socket.cork();
  for (let i = 1; i <= BURST; i++) heavy.send(`r:${i}:__crossipc/mocks/journal:${JSON.stringify({ filter: { path: "*aaaaab*" } })}`);
  socket.uncork();
  await firstOfBurst;
  other.send(`r:o:__crossipc/mocks/journal:${JSON.stringify({ filter: { path: "/none" } })}`);

  for (let i = 0; i < 1_000 && order.filter((o) => o.startsWith("heavy")).length < BURST; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 1_000 && !order.includes("other"); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(order.filter((o) => o.startsWith("heavy")).length, BURST, "every read of the burst was answered");
  assert.ok(order.includes("other"), "the other connection's read was answered");
  assert.ok(order.indexOf("other") < order.indexOf(`heavy ${BURST}`), `answered in this order: ${order.join(", ")}`);
});

test("a connection's reads at once take one turn of the event loop each, not one timer each (a setTimeout(0) waits 1 ms or more)", async () => {
  const turns = new JournalTurns();
  // Timer ticks, one after another, while 100 reads of one connection take their turns.
  let ticks = 0;
  let ticking = true;
  const tick = () => {
    ticks++;
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const order: number[] = [];
  let firstAtOnce = false;
  const all = Array.from({ length: 100 }, (_, i) => turns.turn("c").then(() => order.push(i)));
  // The first has nothing before it: it runs before any macrotask.
  void Promise.resolve().then(() => (firstAtOnce = order.length === 1));
  await Promise.all(all);
  ticking = false;
  assert.ok(firstAtOnce, "the first read ran at once");
  assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i));
  // A timer per turn made these ~100 ticks (and 116-249 ms on Bun and Deno); immediates take a few.
  assert.ok(ticks < 30, `${ticks} timer ticks passed during 100 turns`);
});
