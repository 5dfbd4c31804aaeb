/**
 * `crossipc hub` (the built CLI) under node, bun and deno, and a test's own mock answering with a
 * header value that holds a control character. The Fetch standard's Headers take it (they refuse
 * only NUL, CR and LF), so `new Response(…, { headers })` in a handler sent it through
 * connectMocks, and each runtime's server did something else with it: Deno 2.9.6 panicked and the
 * hub process was gone (every test using it with it), Bun wrote the byte and the client could not
 * parse the answer, Node answered an empty 500. Now a 502 naming the header on every runtime, the
 * hub serves on, and what RFC 9110 allows (a tab among visible characters) still goes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

const CONTROLS: Record<string, string> = { soh: "a\u0001b", esc: "\u001b[2J", del: "a\u007fb", vt: "a\u000bb" };

for (const runtime of RUNTIMES) {
  test(`${runtime}: a mock's header value with a control character is a 502 naming it, and the hub serves on`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const hub = `http://127.0.0.1:${port}`;
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    await mocks.interceptRequest("GET", "/header/:kind", (_request, params) => {
      const value = CONTROLS[params.kind!] ?? "tab\tand ~ visible";
      return new Response("ok", { headers: { "x-v": value } });
    });

    const fine = await fetch(`${hub}/header/plain`);
    assert.deepEqual([fine.status, fine.headers.get("x-v"), await fine.text()], [200, "tab\tand ~ visible", "ok"]);
    for (const kind of Object.keys(CONTROLS)) {
      const response = await fetch(`${hub}/header/${kind}`);
      const body = (await response.json()) as { error: string };
      assert.equal(response.status, 502, `${kind}: ${JSON.stringify(body).slice(0, 200)}`);
      assert.match(body.error, /sent an answer the hub cannot read: header .*x-v.* is not a valid HTTP header/, kind);
    }
    const after = await fetch(`${hub}/header/plain`);
    assert.equal(after.status, 200, "the hub still answers");
  });
}
