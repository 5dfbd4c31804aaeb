/**
 * A remote fault's request waits one round trip for its owner to take the count
 * (../../src/mocks/_countAck.ts), and up to `proxyTimeout` when the owner stalls. A client that
 * leaves during that wait ends it: the request is journaled 499 naming the fault, and the fault
 * never starts (a `bandwidth` fault's take no longer sends the request on to the service once the
 * owner answers; a `status` fault no longer answers a request nobody reads).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connect } from "node:net";
import { once } from "node:events";
import { rawSocket, startServer, type RawSocket } from "./_helpers.ts";

const HITS = /^r:([^:]+):__crossipc\/faults\/hits:(.*)$/;

async function ask(raw: RawSocket, frame: string): Promise<{ data: { id: string } }> {
  raw.send(frame);
  const answer = await raw.next();
  assert.match(answer, /"success":true/);
  return JSON.parse(answer.slice(answer.indexOf("{"))) as { data: { id: string } };
}

for (const fault of [{ bandwidth: 1_000_000 }, { status: 503 }]) {
  const kind = Object.keys(fault)[0]!;
  test(`a client that leaves while the hub waits for a remote ${kind} fault's count: journaled 499, the fault never starts`, async (t) => {
    const server = await startServer(t, { proxyTimeout: 60_000 });
    let served = 0;
    server.interceptHttp("GET", "/faulted", () => {
      served++;
      return "the service";
    });
    server.interceptHttp("GET", "/after", () => "after");
    const raw = await rawSocket(server.getPort());
    t.after(() => raw.close());
    await ask(raw, 'r:1:__crossipc/mocks/hello:{"protocol":1}');
    const added = await ask(raw, `r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault })}`);

    const leave = new AbortController();
    const request = fetch(`${server.getUrl()}/faulted`, { signal: leave.signal }).catch(() => "left");
    const asked = HITS.exec(await raw.next());
    assert.ok(asked, "the hub asked the owner to take the count");
    leave.abort();
    assert.equal(await request, "left");

    // The hub answers the request it no longer waits on as soon as the client has gone, before the owner answers.
    const entry = await journaled(server, "/faulted");
    assert.equal(entry.status, 499);
    assert.deepEqual(entry.fault, { id: added.data.id, kind });
    assert.match(String(entry.error), /The client went away while the hub waited for fault .+'s owner to take its count: the fault did not run/);

    // The owner answers late: nothing starts for the request that is gone.
    raw.send(`s:${asked[1]}:__crossipc/faults/hits:{"success":true}`);
    const after = await fetch(`${server.getUrl()}/after`);
    assert.equal(after.status, 200);
    await after.text();
    await journaled(server, "/after");
    assert.equal(served, 0, "the service never saw the request whose client had left");
    assert.deepEqual(server.journal.entries({ path: "/faulted" }).map((e) => e.status), [499]);
  });
}

async function journaled(server: Awaited<ReturnType<typeof startServer>>, path: string) {
  for (let i = 0; i < 300; i++) {
    const [entry] = server.journal.entries({ path });
    if (entry?.status !== undefined) return entry;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`no journal entry for ${path} with a status`);
}

test("a client that leaves its WebSocket upgrade while the hub waits for a remote status fault's count: journaled 499, the fault never starts", async (t) => {
  const server = await startServer(t, { proxyTimeout: 60_000 });
  const raw = await rawSocket(server.getPort());
  t.after(() => raw.close());
  await ask(raw, 'r:1:__crossipc/mocks/hello:{"protocol":1}');
  const added = await ask(raw, `r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted-ws" }, fault: { status: 503 } })}`);

  // An upgrade head over plain TCP, so that the client can leave mid-wait by closing its socket.
  const socket = connect(server.getPort(), "127.0.0.1");
  t.after(() => socket.destroy());
  await once(socket, "connect");
  socket.write(["GET /faulted-ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "", ""].join("\r\n"));
  const asked = HITS.exec(await raw.next());
  assert.ok(asked, "the hub asked the owner to take the count");
  socket.destroy();

  const entry = await journaled(server, "/faulted-ws");
  assert.equal(entry.status, 499);
  assert.deepEqual(entry.fault, { id: added.data.id, kind: "status" });
  assert.match(String(entry.error), /The client went away while the hub waited for fault .+'s owner to take its count: the fault did not run/);
  raw.send(`s:${asked[1]}:__crossipc/faults/hits:{"success":true}`);
  const after = await fetch(`${server.getUrl()}/after`);
  await after.text();
  await journaled(server, "/after");
  assert.deepEqual(server.journal.entries({ path: "/faulted-ws" }).map((e) => e.status), [499]);
});
