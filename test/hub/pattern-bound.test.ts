/**
 * `crossipc hub` (the built CLI) under node, bun and deno: README says a rule's or fault's pattern
 * from another process is at most 2,048 characters. A rule added over the mocks protocol and a
 * fault posted to the HTTP API at 2,049 characters are refused naming the bound; at 2,048 both are
 * taken and answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";

/** `prefix` then `a`, `length` characters in all. */
const pattern = (prefix: string, length: number) => `${prefix}${"a".repeat(length - prefix.length)}`;

for (const runtime of RUNTIMES) {
  test(`${runtime}: a remote rule's or fault's pattern is at most 2,048 characters`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const { request, nextRef } = await rawMocks(t, port, () => ({ status: 200, headers: [], body: { text: "mocked" } }));
    const add = (path: string) => request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path });
    const fault = (path: string) =>
      fetch(`http://127.0.0.1:${port}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match: { path }, fault: { status: 503 } }) });

    const longRule = await add(pattern("/m/", 2049));
    assert.equal(longRule.success, false, "a 2,049-character rule pattern was taken");
    assert.match(JSON.stringify(longRule.error), /is 2049 characters long, over 2048/);
    const longFault = await fault(pattern("/f/", 2049));
    assert.equal(longFault.status, 400);
    assert.match(await longFault.text(), /at most 2048 characters/);

    assert.equal((await add(pattern("/m/", 2048))).success, true);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}${pattern("/m/", 2048)}`)).text(), "mocked");
    const taken = await fault(pattern("/f/", 2048));
    assert.equal(taken.status, 201, await taken.text());
    assert.equal((await fetch(`http://127.0.0.1:${port}${pattern("/f/", 2048)}`)).status, 503);
  });
}
