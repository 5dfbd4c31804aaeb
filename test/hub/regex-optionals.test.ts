/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * that adds mock rules whose regex parameters hold optional characters repeated: `(?:a?){50}a{50}`
 * (a repeated group holding an optional) and 24 `a?` in a row followed by 24 `a`. Both were taken,
 * and one request for `/q/` + 99 `a` + `!` held a Node and a Deno hub past 20 s (Bun 4.8 s), every
 * client waiting; the regex alone, `(?:a?){24}b`, took Node 20 2.3 s on those 99 characters. The
 * analyses counted `*`, `+` and `{n,m}` but not `?`: now a repeated group that holds an optional is
 * refused as one that holds a repetition is, and optionals count in a row of repetitions. Optionals
 * that something keeps apart still route (`\d{4}-?\d{2}-?\d{2}`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";

const REPEATED = ["/q/:x((?:a?){50}a{50})", "/q/:x((?:a{0,1}){24}b)"];
const ROW = `/q/:x(${"a?".repeat(24)}${"a".repeat(24)})`;
const SEGMENT = `${"a".repeat(99)}!`;

for (const runtime of RUNTIMES) {
  test(`${runtime}: regex parameters that repeat optional characters are refused; optionals kept apart route`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const { request, nextRef } = await rawMocks(t, port, ({ d }) => ({ status: 200, headers: [], body: { text: `date ${d}` } }));
    const add = (path: string) => request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path });

    for (const path of REPEATED) {
      const answer = await add(path);
      assert.equal(answer.success, false, `${path} was taken`);
      assert.match(JSON.stringify(answer.error), /repeats a group that itself repeats, alternates or holds an optional \(`\?`\)/, path);
    }
    const row = await add(ROW);
    assert.equal(row.success, false, "the row of optionals was taken");
    assert.match(JSON.stringify(row.error), /the regex \\"a\?a\?a\?\\" has more than 2 repetitions in a row that can take the same characters/);
    const fault = await fetch(`http://127.0.0.1:${port}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match: { path: REPEATED[0] }, fault: { status: 503 } }) });
    assert.equal(fault.status, 400, await fault.text());

    const started = performance.now();
    assert.equal((await fetch(`http://127.0.0.1:${port}/q/${SEGMENT}`)).status, 404);
    assert.ok(performance.now() - started < 5_000, "the request was held");

    assert.equal((await add("/d/:d(\\d{4}-?\\d{2}-?\\d{2})")).success, true);
    for (const date of ["2026-12-07", "20261207"]) assert.equal(await (await fetch(`http://127.0.0.1:${port}/d/${date}`)).text(), `date ${date}`);
  });
}
