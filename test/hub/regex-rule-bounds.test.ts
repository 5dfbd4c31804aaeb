/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * that adds mock rules whose regex parameters cost every request at their place: a row of
 * repetitions that share characters (`/q/:x(a*a*a*a*a*b)`: one request for `/q/` + 99 `a` + `!`
 * held a Deno hub 1.5 s and a Node hub 0.25 s; the regex alone on 99 characters takes Node 20 27 s
 * with six), and thousands of regex patterns at one place (10,000 of two repetitions each: 0.16-0.79 s
 * a request on Node, Bun and Deno hubs, load 6). The row is refused when added; a table holds at most 1,000 regex patterns.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: a row of repetitions that share characters is refused, and the 1,001st regex pattern at one place`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const { request, nextRef } = await rawMocks(t, port, () => ({ status: 200, headers: [], body: { text: "mocked" } }));
    const add = (path: string) => request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path });

    const row = await add("/q/:x(a*a*a*a*a*b)");
    assert.equal(row.success, false, "the rule was taken");
    assert.match(JSON.stringify(row.error), /the regex \\"a\*a\*a\*\\" has more than 2 repetitions in a row that can take the same characters/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/q/${"a".repeat(99)}!`)).status, 404);

    const added = await Promise.all(Array.from({ length: 1_000 }, (_, i) => add(`/r/:x(a*a*b${i})`)));
    assert.deepEqual(added.filter((answer) => !answer.success), []);
    const past = await add("/r/:x(a*a*b1000)");
    assert.equal(past.success, false, "the 1,001st regex pattern was taken");
    assert.match(JSON.stringify(past.error), /the hub already holds 1000 patterns with a regex parameter/);
    const mocked = await fetch(`http://127.0.0.1:${port}/r/aab999`);
    assert.equal(await mocked.text(), "mocked");
  });
}
