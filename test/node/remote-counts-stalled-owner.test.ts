/**
 * The hub waits for a remote fault's or replay's owner to take the count before it answers the
 * request (../../src/mocks/_countAck.ts), but never longer than `proxyTimeout`, and an owner that
 * never answers (a process stopped in a debugger, a framework client that ignores the request)
 * costs each request that wait and nothing after: the hub no longer holds it once the request is
 * answered (a late answer finds nothing pending). An owner that goes away lets them go at once.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { rawSocket, startServer, type RawSocket } from "./_helpers.ts";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";

const HITS = /^r:([^:]+):__crossipc\/faults\/hits:(.*)$/;
const COUNTS = /^r:([^:]+):__crossipc\/mocks\/replayCounts:(.*)$/;

async function ask(raw: RawSocket, frame: string): Promise<{ data: { id: string } }> {
  raw.send(frame);
  const answer = await raw.next();
  assert.match(answer, /"success":true/);
  return JSON.parse(answer.slice(answer.indexOf("{"))) as { data: { id: string } };
}

test("a remote fault or replay whose owner never answers the count still lets each request through, and holds nothing after its answer", async (t) => {
  const debug: string[] = [];
  const logger = { debug: (message: string) => void debug.push(message), info() {}, warn() {}, error() {} };
  const server = await startServer(t, { proxyTimeout: 300, logger });
  server.interceptHttp("GET", "/next", () => ({ status: 200, body: "the hub's route" }));
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  await ask(raw, 'r:1:__crossipc/mocks/hello:{"protocol":1}');
  const fault = await ask(raw, `r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault: { status: 503 } })}`);
  const replay = await ask(raw, `r:3:__crossipc/mocks/add:${JSON.stringify({ ref: 1, scope: null, kind: "replay", method: "*", path: "/**", har: ONE_ENTRY_HAR })}`);

  const cases = [
    { path: "/faulted", status: 503, frame: HITS, count: { id: fault.data.id, hits: 1, spent: false } },
    { path: "/recorded", status: 200, frame: COUNTS, count: { id: replay.data.id, matched: 1, missed: 0 } },
    // onMiss "next": the miss is counted and the request handed on once the wait is over.
    { path: "/next", status: 200, frame: COUNTS, count: { id: replay.data.id, matched: 1, missed: 1 } },
  ];
  for (const { path, status, frame, count } of cases) {
    const response = await fetch(`${server.getUrl()}${path}`);
    await response.text();
    assert.equal(response.status, status, path);
    const asked = frame.exec(raw.frames.shift() ?? "");
    assert.ok(asked, `${path}: its count came as a request`);
    assert.deepEqual(JSON.parse(asked[2]!), count);
    // Answered after the request's answer: the hub holds no request for it any more.
    raw.send(`s:${asked[1]}:${frame === HITS ? "__crossipc/faults/hits" : "__crossipc/mocks/replayCounts"}:{"success":true}`);
    await waitFor(() => debug.some((line) => line.includes(`No pending request for response id: ${asked[1]}`)), `${path}: the late answer found its request pending`);
  }
});

test("a remote fault's request waiting on its owner goes on at once when the owner goes away", async (t) => {
  const server = await startServer(t, { proxyTimeout: 60_000 });
  const raw = await rawSocket(server.getPort());
  await ask(raw, 'r:1:__crossipc/mocks/hello:{"protocol":1}');
  await ask(raw, `r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault: { status: 503 } })}`);
  const response = fetch(`${server.getUrl()}/faulted`);
  assert.match(await raw.next(), HITS);
  // Waiting for the owner (proxyTimeout 60 s): its leaving ends the wait, and the fault it drew acts.
  raw.close();
  const answered = await response;
  assert.equal(answered.status, 503);
  await answered.text();
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
}
