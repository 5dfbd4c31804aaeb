/**
 * A connection's journal wait scans the ring in its connection's turn (../../src/mocks/_journalTurns.ts),
 * which comes after that connection's earlier reads: a burst of slow scans puts it off. Only the
 * scan may wait: the wait itself starts when it is asked for, as `mocks.waitFor` promises. Its
 * timeout runs from the call, and an entry recorded after the call answers it even when that
 * entry is gone from the ring (cleared) by the time the turn comes.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { Socket } from "node:net";
import type { IPCServer } from "../../src/index.ts";
import { rawSocket, startServer, type RawSocket } from "./_helpers.ts";

const BURST = 20;

/** A hub whose journal makes each `*aaaaab*` scan slow, and a mocks connection on it. */
async function slowJournal(t: test.TestContext): Promise<{ server: IPCServer; heavy: RawSocket }> {
  const server = await startServer(t, { journal: { size: 300 } });
  // Paths where a short piece's first character is everywhere: each entry's scan compares at every place.
  const long = `/a${"a".repeat(7_000)}`;
  for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.getUrl()}${long}`).then((r) => r.arrayBuffer())));
  const heavy = await rawSocket(server.getPort());
  t.after(() => heavy.close());
  heavy.send('r:h:__crossipc/mocks/hello:{"protocol":1}');
  assert.match(await heavy.next(), /"success":true/);
  return { server, heavy };
}

/**
 * Sends a burst of slow reads and then `wait` in one write, runs `during` once the burst's first
 * read is answered, and gives back the wait's answer and the order in which the answers came.
 */
async function waitBehindBurst(heavy: RawSocket, wait: object, during: () => Promise<void>): Promise<{ answer: string; order: string[] }> {
  const order: string[] = [];
  let answer = "";
  heavy.ws.on("message", (data) => {
    const [, id] = String(data).split(":");
    order.push(id!);
    if (id === "w") answer = String(data);
  });
  const firstOfBurst = new Promise<void>((resolve) => heavy.ws.once("message", () => resolve()));
  const socket = (heavy.ws as unknown as { _socket: Socket })._socket;
  socket.cork();
  for (let i = 1; i <= BURST; i++) heavy.send(`r:${i}:__crossipc/mocks/journal:${JSON.stringify({ filter: { path: "*aaaaab*" } })}`);
  heavy.send(`r:w:__crossipc/mocks/journal:${JSON.stringify(wait)}`);
  socket.uncork();
  await firstOfBurst;
  await during();
  order.push("during done");
  for (let i = 0; i < 1_000 && !order.includes("w"); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(order.includes("w"), "the wait was answered");
  return { answer, order };
}

test("a journal wait queued behind a burst of slow scans times out counting from its call: an entry recorded after that does not answer it", async (t) => {
  const { server, heavy } = await slowJournal(t);
  const { answer, order } = await waitBehindBurst(heavy, { filter: { path: "/late" }, timeoutMs: 1 }, async () => {
    await (await fetch(`${server.getUrl()}/late`)).arrayBuffer();
  });
  // The entry was recorded while the burst still ran, before the wait's turn came.
  assert.ok(order.indexOf("during done") < order.indexOf(String(BURST)), `answered in this order: ${order.join(", ")}`);
  assert.match(answer, /"success":false/, `the wait's answer: ${answer.slice(0, 300)}`);
  assert.match(answer, /ERR_IPC_TIMEOUT|within 1ms/);
});

test("a journal wait queued behind a burst of slow scans is answered by an entry recorded after its call, even one cleared before its turn", async (t) => {
  const { server, heavy } = await slowJournal(t);
  const { answer, order } = await waitBehindBurst(heavy, { filter: { path: "/late" }, timeoutMs: 3_000 }, async () => {
    await (await fetch(`${server.getUrl()}/late`)).arrayBuffer();
    server.journal.clear();
  });
  assert.ok(order.indexOf("during done") < order.indexOf(String(BURST)), `answered in this order: ${order.join(", ")}`);
  assert.match(answer, /"success":true/, `the wait's answer: ${answer.slice(0, 300)}`);
  assert.match(answer, /"path":"\/late"/);
});
