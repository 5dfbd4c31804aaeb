/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * answering a relayed mocked request with a `statusText` no Response could carry (connectMocks
 * sends a Response's own). Each runtime did something else: Node wrote a 1 MB reason phrase whole
 * on the status line and dropped CR and LF from one, keeping the rest there; Bun left it out; Deno
 * answered 502. Now 502 naming it on every runtime, and a reason phrase RFC 9112 allows still goes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawMocks } from "./_rawMocks.ts";

const REFUSED: Record<string, unknown> = {
  crlf: "OK\r\nX-Injected: 1",
  nul: "a\u0000b",
  long: "x".repeat(1025),
  symbol: "done \u2713",
  object: { text: "OK" },
};

for (const runtime of RUNTIMES) {
  test(`${runtime}: a mock's answer with a statusText that is no reason phrase is a 502 naming it`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);

    // A relayed request is answered with the statusText its path names.
    const { request, nextRef } = await rawMocks(t, port, ({ kind }) => ({
      status: 201,
      statusText: kind === "latin1" ? "Cr\u00e9\u00e9 \tfine" : REFUSED[kind!],
      headers: [["content-type", "text/plain"]],
      body: { text: `body of ${kind}` },
    }));
    assert.equal((await request("__crossipc/mocks/add", { ref: nextRef(), scope: null, kind: "intercept", method: "GET", path: "/reason/:kind" })).success, true);

    const fine = await fetch(`http://127.0.0.1:${port}/reason/latin1`);
    assert.equal(fine.status, 201);
    assert.equal(await fine.text(), "body of latin1");
    for (const kind of Object.keys(REFUSED)) {
      const response = await fetch(`http://127.0.0.1:${port}/reason/${kind}`);
      const body = (await response.json()) as { error: string };
      assert.equal(response.status, 502, `${kind}: ${JSON.stringify(body).slice(0, 200)}`);
      assert.match(body.error, /sent an answer the hub cannot read: statusText .* is not a reason phrase/, kind);
      assert.equal(response.headers.get("x-injected"), null, kind);
    }
  });
}
