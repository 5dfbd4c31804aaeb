/**
 * A hub in node, bun and deno against a raw framework client that sends requests faster than a
 * slow handler answers them. Nothing bounded them: 1,000,000 requests in flight on one connection
 * grew a server to 1.3 GiB. Past `maxRequestsInFlight` (default 10 000) each further request is
 * answered at once with SPEC §2's failure naming the option; the connection stays, every held
 * request is still answered, and the limit is per connection.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const LIMIT = 10_000;
const REFUSAL = `{"success":false,"error":"Too many requests in flight: this connection already has ${LIMIT} being handled (the maxRequestsInFlight option); send more once some are answered"}`;

/** A raw framework connection: its answers by id, and a wait for a given id. */
async function rawClient(port: number, runtimeId: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=${runtimeId}`);
  const answers = new Map<string, string[]>();
  const waiting = new Map<string, () => void>();
  let closed = false;
  ws.on("close", () => (closed = true));
  ws.on("message", (data) => {
    const frame = String(data);
    const id = frame.split(":")[1]!;
    answers.set(id, [...(answers.get(id) ?? []), frame]);
    waiting.get(id)?.();
  });
  await once(ws, "open");
  return {
    ws,
    answers,
    closed: () => closed,
    answer(id: number): Promise<string> {
      const key = String(id);
      if (answers.has(key)) return Promise.resolve(answers.get(key)![0]!);
      return new Promise((resolve) => waiting.set(key, () => resolve(answers.get(key)![0]!)));
    },
  };
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: past ${LIMIT} requests in flight on one connection, each further one is refused at once, and every held one is answered`, { timeout: 60_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/in-flight-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the port");
    const a = await rawClient(port, "flooder");
    t.after(() => a.ws.terminate());

    for (let i = 1; i <= LIMIT; i++) a.ws.send(`r:${i}:hold:${i}`);
    a.ws.send(`r:${LIMIT + 1}:hold:${LIMIT + 1}`);
    a.ws.send(`r:${LIMIT + 2}:quick:`);
    // Past the limit even a handler that would answer at once is not run, nor its DATA read.
    a.ws.send(`r:${LIMIT + 3}:hold:not json`);
    // `quick` first: without a limit it is answered at once, and the test fails here rather than waiting.
    assert.equal(await a.answer(LIMIT + 2), `s:${LIMIT + 2}:quick:${REFUSAL}`);
    assert.equal(await a.answer(LIMIT + 1), `s:${LIMIT + 1}:hold:${REFUSAL}`);
    assert.equal(await a.answer(LIMIT + 3), `s:${LIMIT + 3}:hold:${REFUSAL}`);
    // The held ones wait for `release`, which nobody sent yet: only the three refusals came.
    assert.equal(a.answers.size, 3, `${runtime}: ${[...a.answers.keys()].slice(0, 5)}`);
    const warn = await hub.nextJson<{ warn?: string }>(10_000, "the warn line");
    assert.match(warn.warn ?? "", /client client-1 \(runtimeId flooder\) has 10000 requests in flight \(maxRequestsInFlight\)/);

    // The limit is per connection: another one is served, and releases what the first holds.
    const b = await rawClient(port, "other");
    t.after(() => b.ws.terminate());
    b.ws.send("r:1:quick:");
    assert.equal(await b.answer(1), 's:1:quick:{"success":true,"data":"quick"}');
    b.ws.send("r:2:release:");
    assert.equal(await b.answer(2), `s:2:release:{"success":true,"data":${LIMIT}}`);

    await a.answer(LIMIT);
    for (let i = 1; i <= LIMIT; i++) assert.deepEqual(a.answers.get(String(i)), [`s:${i}:hold:{"success":true,"data":${i}}`], `${runtime}: request ${i}`);
    // Answered, they no longer count: the same connection is served again.
    a.ws.send(`r:${LIMIT + 4}:quick:`);
    assert.equal(await a.answer(LIMIT + 4), `s:${LIMIT + 4}:quick:{"success":true,"data":"quick"}`);

    // A second flood on that connection is refused the same way, and not logged again.
    for (let i = 1; i <= LIMIT + 1; i++) a.ws.send(`r:${LIMIT + 4 + i}:hold:${i}`);
    assert.equal(await a.answer(2 * LIMIT + 5), `s:${2 * LIMIT + 5}:hold:${REFUSAL}`);
    assert.equal(a.closed(), false, `${runtime}: the flooding connection was closed`);

    hub.proc.stdin.end();
    assert.deepEqual(await hub.nextJson(10_000, "teardown confirmation"), { stopped: true }, `${runtime}: a second warn line, or none`);
    await waitExit(hub, 10_000, "exit after teardown");
    assert.equal(hub.stderr().trim(), "");
  });
}

test("maxRequestsInFlight must be a positive integer", async () => {
  const { IPCServer } = await import("../../adapters/node.ts");
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new IPCServer(0, { maxRequestsInFlight: bad }), { name: "RangeError", message: `maxRequestsInFlight must be a positive integer, got ${bad}` });
  }
});
