/**
 * `crossipc hub` (the built CLI) under node, bun and deno, and request targets with `.` and `..`
 * segments (as sent, `%2e`-encoded): every step of the order (SPEC §10, §12) sees the path the URL
 * parser makes of them. Deno's `request.url` keeps them where Node's and Bun's come resolved, and a
 * Deno hub matched mocks and faults on the raw path and the 404 and the proxy on the resolved one:
 * `/x/../mocked/a` skipped the mock (404 "No route for GET /mocked/a"), `/x/%2e%2e/faulted/a`
 * skipped the fault, `/mocked/%2e%2e/faulted/a` was taken by the mock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { rawExchange } from "../hardening/_attack.ts";

/** The status and body of a raw GET of `target` (fetch would resolve the dots before sending). */
async function rawGet(port: number, target: string): Promise<string> {
  const raw = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n/, "");
  return `${raw.split("\r\n")[0]!.split(" ")[1]} ${body.trim().slice(0, 60)}`;
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: mocks and faults see a target's dot segments resolved, as the proxy does`, async (t) => {
    const { port } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    await mocks.intercept("GET", "/mocked/**", () => ({ by: "mock" }));
    await mocks.fault({ path: "/faulted/**" }, { status: 418 });
    const mocked = '200 {"by":"mock"}';
    const faulted = '418 {"error":"Fault injected"}';
    assert.equal(await rawGet(port, "/mocked/a"), mocked);
    assert.equal(await rawGet(port, "/x/../mocked/a"), mocked);
    assert.equal(await rawGet(port, "/x/%2e%2E/mocked/a"), mocked);
    assert.equal(await rawGet(port, "/faulted/a"), faulted);
    assert.equal(await rawGet(port, "/x/%2e%2e/faulted/a"), faulted);
    assert.equal(await rawGet(port, "/mocked/%2e%2e/faulted/a"), faulted);
    assert.equal(await rawGet(port, "/mocked/./a"), mocked);
    // A name that only begins with a dot is no dot segment.
    assert.equal(await rawGet(port, "/mocked/.well-known/x"), mocked);
  });
}
