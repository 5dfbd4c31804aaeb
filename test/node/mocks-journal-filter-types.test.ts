/** A journal filter sent over the framework connection with a field of the wrong type is refused naming the field. */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer, rawSocket, type RawSocket } from "./_helpers.ts";

let ids = 0;
/** Sends `r:id:path:data` and reads its `s` frame's answer. */
async function request(socket: RawSocket, path: string, data: unknown): Promise<{ success: boolean; error?: string; data?: unknown }> {
  const id = String(++ids);
  socket.send(`r:${id}:${path}:${JSON.stringify(data)}`);
  for (;;) {
    const frame = await socket.next();
    const prefix = `s:${id}:${path}:`;
    if (frame.startsWith(prefix)) return JSON.parse(frame.slice(prefix.length));
  }
}

test("mocks journal: a filter field of the wrong type answers an error that names it", async (t) => {
  const server = await startServer(t);
  const socket = await rawSocket(server.getPort());
  t.after(() => socket.close());
  for (const [filter, field] of [
    [{ path: 5 }, "path"],
    [{ method: 5 }, "method"],
    [{ after: "x" }, "after"],
    [{ scope: {} }, "scope"],
    [{ status: [] }, "status"],
    [{ kind: "htttp" }, "kind"],
    [{ direction: "sideways" }, "direction"],
  ] as const) {
    const answer = await request(socket, "__crossipc/mocks/journal", { filter });
    assert.equal(answer.success, false);
    assert.match(String(answer.error), new RegExp(`^journal filter ${field} must be`), String(answer.error));
  }
  // A well-typed filter still reads the journal.
  const answer = await request(socket, "__crossipc/mocks/journal", { filter: { path: "/x", status: "4xx" } });
  assert.deepEqual(answer, { success: true, data: [] });
});

test("journal filter: a field it does not know is refused naming it, not taken for no filter", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/seen", () => "ok");
  await (await fetch(`${server.getUrl()}/seen`)).text();
  // Before, { pth } filtered nothing: entries() gave every entry and waitFor resolved at once.
  const message = 'journal filter: unknown field "pth" (kind, method, path, status, client, direction, after, scope)';
  assert.throws(() => server.journal.entries({ pth: "/never" } as never), { name: "TypeError", message });
  // An unknown field left undefined (a spread options object) is no misspelt filter.
  assert.ok(Array.isArray(server.journal.entries({ path: "/never", timeoutMs: undefined } as never)));
  await assert.rejects(server.journal.waitFor({ pth: "/never" } as never, 100), { name: "TypeError", message });
  assert.throws(() => server.journal.toHAR({ staus: 500 } as never), /unknown field "staus"/);
  const socket = await rawSocket(server.getPort());
  t.after(() => socket.close());
  const answer = await request(socket, "__crossipc/mocks/journal", { filter: { pth: "/never" }, timeoutMs: 100 });
  assert.deepEqual(answer, { success: false, error: message });
});

test("mocks journal: refused waits do not count against the connection's open waits", async (t) => {
  // Before, a filter the journal refused threw from waitFor after the hub counted the wait, and
  // the count never went down: 1,000 refused waits left the connection unable to wait at all.
  const server = await startServer(t);
  const socket = await rawSocket(server.getPort());
  t.after(() => socket.close());
  for (let i = 0; i < 1001; i++) {
    const answer = await request(socket, "__crossipc/mocks/journal", { filter: { path: 5 }, timeoutMs: 100 });
    assert.equal(answer.success, false);
  }
  const answer = await request(socket, "__crossipc/mocks/journal", { filter: { path: "/never" }, timeoutMs: 50 });
  assert.match(String(answer.error), /no entry matching/, String(answer.error));
});

test("mocks and scope journal reads: a field it does not know is a TypeError in the test's process, as the hub's own", async (t) => {
  // Before, it went to the hub and came back an ERR_IPC_REMOTE error, not the TypeError the
  // library's journal throws for the same filter.
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  const message = 'journal filter: unknown field "pth" (kind, method, path, status, client, direction, after, scope)';
  await assert.rejects(mocks.entries({ pth: "/never" } as never), { name: "TypeError", message });
  await assert.rejects(scope.entries({ pth: "/never" } as never), { name: "TypeError", message });
  await assert.rejects(scope.waitFor({ pth: "/never" } as never, 100), { name: "TypeError", message });
  // So is a kind or direction the journal does not have (it matched nothing; then an ERR_IPC_REMOTE from the hub).
  await assert.rejects(scope.entries({ kind: "htttp" } as never), { name: "TypeError", message: 'journal filter kind must be "http", "websocket" or "framework", got "htttp"' });
  await assert.rejects(mocks.waitFor({ direction: "sideways" } as never, 100), { name: "TypeError", message: 'journal filter direction must be "in" or "out", got "sideways"' });
  assert.deepEqual(await scope.entries({ path: "/never" }), [], "a known field still reads");
});
