/**
 * A `traceparent` names a scope only when it is a traceparent as W3C Trace Context §3.2 reads it,
 * on hubs in Node, Bun and Deno alike (the reading is shared code, src/mocks/_scope.ts). Before,
 * any value of four or more `-` parts whose second was 32 characters counted: version 00 with
 * extra fields, two traceparent headers joined with `, `, version ff, upper case, an all-zero or
 * non-hex parent id, a one-digit flags field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES, start } from "../matrix/_spawn.ts";
import { startBackend } from "./_helpers.ts";

const SPAN = "00f067aa0ba902b7";

for (const runtime of RUNTIMES) {
  test(`${runtime}: only a well-formed traceparent names a scope`, { timeout: 120_000 }, async (t) => {
    const backend = await startBackend(t, (_request, response) => response.end("backend"));
    const hub = start(runtime, "test/fixtures/mocks-hub.ts", ["--backend", backend.url]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the port");
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    const scope = mocks.scope();
    await scope.intercept("GET", "/local/:id", () => "scoped");
    const id = scope.id;
    const cases: Array<[string, string, boolean]> = [
      ["version 00", `00-${id}-${SPAN}-01`, true],
      ["flags 00", `00-${id}-${SPAN}-00`, true],
      ["a later version with more fields", `cc-${id}-${SPAN}-01-what-comes-later`, true],
      ["a later version of exactly 55", `cc-${id}-${SPAN}-01`, true],
      ["version 00 with more fields", `00-${id}-${SPAN}-01-more`, false],
      ["two joined", `00-${id}-${SPAN}-01, 00-${id}-${SPAN}-01`, false],
      ["a later version, more without a dash", `cc-${id}-${SPAN}-01more`, false],
      ["version ff", `ff-${id}-${SPAN}-01`, false],
      ["upper case", `00-${id.toUpperCase()}-${SPAN}-01`, false],
      ["an all-zero parent id", `00-${id}-0000000000000000-01`, false],
      ["a parent id that is not hex", `00-${id}-zzzzzzzzzzzzzzzz-01`, false],
      ["one-digit flags", `00-${id}-${SPAN}-1`, false],
      ["no flags", `00-${id}-${SPAN}`, false],
    ];
    for (const [what, traceparent, scoped] of cases) {
      const text = await (await fetch(`http://127.0.0.1:${port}/local/1`, { headers: { traceparent } })).text();
      assert.equal(text, scoped ? '"scoped"' : '{"local":"1"}', `${runtime}, ${what}: ${traceparent}`);
    }
  });
}
