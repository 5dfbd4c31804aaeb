/**
 * The journal fills the record of a framework request that left its ring again for a newer one
 * (no new object per request). Every reader must still see each request as it was: a reused
 * record keeps nothing of the request before, and a reader that builds its entries later, as its
 * client reads them, still shows the requests it listed while newer ones overwrite the ring.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const echo = IPCServer.defineRequest<string, number>("echo/length");
const fail = IPCServer.defineRequest<string, void>("echo/fail");
const ask = IPCClient.defineRequest<string, string>("client/ask");

async function connected(t: { after(fn: () => unknown): void }, server: IPCServer, runtimeId: string): Promise<IPCClient> {
  const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
  await client.connect(runtimeId);
  t.after(() => client.disconnect());
  return client;
}

test("past a ring of two, each framework entry shows its own request only: path, error, direction, client and bodies", async (t) => {
  const server = await startServer(t, { journal: { size: 2, bodies: true } });
  server.onFrameworkMessage(echo, (text) => text.length);
  server.onFrameworkMessage(fail, (text) => {
    throw new Error(`no ${text}`);
  });
  const client = await connected(t, server, "runtime-a");
  client.onFrameworkRequest(ask, (text) => `answer to ${text}`);

  const shown = () =>
    server.journal.entries().map(({ id: _id, time: _time, durationMs: _duration, ...entry }) => entry);
  await assert.rejects(client.sendFrameworkRequest(fail, "x".repeat(300)));
  await assert.rejects(client.sendFrameworkRequest(IPCServer.defineRequest<number, void>("nobody/handles"), 1));
  assert.equal(await client.sendFrameworkRequest(echo, "abc"), 3);
  const clientId = server.journal.entries()[0]!.clientId;
  assert.match(clientId!, /^client-\d+$/);
  assert.deepEqual(shown(), [
    { kind: "framework", path: "nobody/handles", takenBy: "none", scope: null, ok: false, clientId, runtimeId: "runtime-a", direction: "in", error: "No handler for: nobody/handles" },
    { kind: "framework", path: "echo/length", takenBy: "framework", scope: null, ok: true, clientId, runtimeId: "runtime-a", direction: "in", requestBody: '"abc"', responseBody: "3", requestBodyTruncated: false, responseBodyTruncated: false },
  ]);
  assert.equal(server.journal.bodyBytes, 5 + 1, "only the bodies of the entries in the ring count");

  assert.equal(await server.sendFrameworkMessage("runtime-a", ask, "q"), "answer to q");
  assert.equal(await client.sendFrameworkRequest(echo, ""), 0);
  assert.deepEqual(shown(), [
    { kind: "framework", path: "client/ask", takenBy: "framework", scope: null, ok: true, clientId, runtimeId: "runtime-a", direction: "out", requestBody: '"q"', responseBody: '"answer to q"', requestBodyTruncated: false, responseBodyTruncated: false },
    { kind: "framework", path: "echo/length", takenBy: "framework", scope: null, ok: true, clientId, runtimeId: "runtime-a", direction: "in", requestBody: '""', responseBody: "0", requestBodyTruncated: false, responseBodyTruncated: false },
  ]);
  assert.equal(server.journal.bodyBytes, 3 + 13 + 2 + 1);
  // The upgrade is #1, the five requests #2-#6.
  assert.deepEqual(server.journal.entries().map((entry) => entry.id), [5, 6]);
  assert.equal(server.journal.get(5)?.path, "client/ask");
  assert.equal(server.journal.get(2), undefined, "an entry that left the ring is gone, not shown as a newer one");
  assert.equal(server.journal.get(3), undefined);
});

test("the journal API, read slowly while newer requests overwrite the ring, shows the requests it listed", async (t) => {
  const size = 300;
  const server = await startServer(t, { dashboard: true, journal: { size, bodies: true } });
  server.onFrameworkMessage(echo, (text) => text.length);
  const client = await connected(t, server, "runtime-a");
  // Large bodies, so that the answer is far more than the sockets between the two hold (a few
  // MiB): the server builds the last entries only once this client reads on.
  const body = (n: number, round: string) => `${round}${n}:`.padEnd(60_000, round);
  for (let n = 0; n < size; n++) await client.sendFrameworkRequest(echo, body(n, "a"));
  const expected = server.journal.entries().map((entry) => [entry.id, entry.requestBody]);
  assert.equal(expected.length, size);

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${server.getUrl()}/__crossipc/api/journal`, resolve).on("error", reject);
  });
  assert.equal(response.statusCode, 200);
  response.pause();
  // A whole ring of newer requests, while the answer waits for its reader.
  for (let n = 0; n < size; n++) await client.sendFrameworkRequest(echo, body(n, "b"));
  assert.ok(server.journal.entries().every((entry) => entry.requestBody!.startsWith('"b')), "the ring holds only the newer requests");

  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const listed = JSON.parse(Buffer.concat(chunks).toString()) as { entries: Array<{ id: number; requestBody: string }> };
  assert.deepEqual(listed.entries.map((entry) => [entry.id, entry.requestBody]), expected);
});
