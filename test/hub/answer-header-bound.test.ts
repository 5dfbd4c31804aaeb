/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * that hands the hub answers with more header fields than any client reads: a replay whose HAR
 * entry lists 257 response headers (connectMocks refuses such a HAR in the test's process; a
 * process of its own sends it as it likes), and a relayed mock's answer with 257. Bun's and
 * Deno's Headers take each field in time that grows with those before it: a replayed entry of
 * 20,000 headers (a 600 KB HAR) held a Bun hub's thread 1.1 s for each request it answered, and
 * 100,000 held it 47 s (a Deno hub 84 s), with every other process's requests waiting; the
 * request that set it off came from anything that reaches the port. Now the replay is refused
 * naming the entry and the bound, and the mock's answer is a 502 naming it; 256 still go.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";

const BOUND = 256;

const headers = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `x-h${i}`, value: "v" }));

function har(count: number, path: string) {
  const entry = {
    startedDateTime: "2026-01-01T00:00:00.000Z",
    time: 1,
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
    request: { method: "GET", url: `http://127.0.0.1/${path}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: headers(count), redirectURL: "", headersSize: -1, bodySize: 2, content: { size: 2, mimeType: "text/plain", text: "ok" } },
  };
  return { log: { version: "1.2", creator: { name: "test", version: "1" }, entries: [entry] } };
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: a replay or a mock's answer with more than ${BOUND} header fields is refused naming the bound; ${BOUND} go`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const hub = `http://127.0.0.1:${port}`;

    // A relayed request is answered with as many header fields as its path names.
    const { request, nextRef } = await rawMocks(t, port, (params) => ({ status: 200, headers: headers(Number(params["count"])).map(({ name, value }) => [name, value]), body: { text: "mocked" } }));
    const replay = (count: number, path: string) => request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "replay", method: "*", path: "/**", har: har(count, path) });

    const refused = await replay(BOUND + 1, "many");
    assert.equal(refused.success, false, "the replay was taken");
    assert.match(JSON.stringify(refused.error), /entry 0: response\.headers: 257 header fields, more than the 256 an answer of the hub may carry/);
    assert.equal((await fetch(`${hub}/many`)).status, 404, "nothing was added");

    assert.equal((await replay(BOUND, "enough")).success, true);
    const enough = await fetch(`${hub}/enough`);
    assert.equal(enough.status, 200);
    assert.equal(enough.headers.get(`x-h${BOUND - 1}`), "v");
    assert.equal(await enough.text(), "ok");

    assert.equal((await request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path: "/mock/:count" })).success, true);
    const tooMany = await fetch(`${hub}/mock/${BOUND + 1}`);
    const body = (await tooMany.json()) as { error: string };
    assert.equal(tooMany.status, 502, JSON.stringify(body).slice(0, 200));
    assert.match(body.error, /sent an answer the hub cannot read: 257 header fields, more than the 256 an answer of the hub may carry/);
    const mocked = await fetch(`${hub}/mock/${BOUND}`);
    assert.equal(mocked.status, 200);
    assert.equal(mocked.headers.get(`x-h${BOUND - 1}`), "v");
    assert.equal(await mocked.text(), "mocked");
  });
}
