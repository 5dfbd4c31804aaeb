/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client of its own
 * answering a relayed mocked request with a `statusText` no Response could carry (connectMocks
 * sends a Response's own). Each runtime did something else: Node wrote a 1 MB reason phrase whole
 * on the status line and dropped CR and LF from one, keeping the rest there; Bun left it out; Deno
 * answered 502. Now 502 naming it on every runtime, and a reason phrase RFC 9112 allows still goes.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

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

    const mock = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=raw-mock`);
    await once(mock, "open");
    const answered = new Map<string, (text: string) => void>();
    mock.on("message", (data) => {
      const frame = String(data);
      const [type, id, path] = frame.split(":", 3) as [string, string, string];
      const json = frame.slice(type.length + id.length + path.length + 3);
      if (type === "s") answered.get(id)?.(json);
      // The hub relays a request: answer with the statusText its path names.
      if (type === "r" && path === "__crossipc/mocks/take") {
        const { params } = JSON.parse(json) as { params: { kind: string } };
        const statusText = params.kind === "latin1" ? "Cr\u00e9\u00e9 \tfine" : REFUSED[params.kind];
        mock.send(`s:${id}:${path}:${JSON.stringify({ success: true, data: { status: 201, statusText, headers: [["content-type", "text/plain"]], body: { text: `body of ${params.kind}` } } })}`);
      }
    });
    const request = (id: string, path: string, data: unknown) => {
      mock.send(`r:${id}:${path}:${JSON.stringify(data)}`);
      return new Promise<string>((resolve) => answered.set(id, resolve));
    };
    assert.match(await request("1", "__crossipc/mocks/hello", { protocol: 1 }), /"success":true/);
    assert.match(await request("2", "__crossipc/mocks/add", { ref: 1, scope: null, kind: "intercept", method: "GET", path: "/reason/:kind" }), /"success":true/);

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
    mock.close();
  });
}
