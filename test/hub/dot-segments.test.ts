/**
 * `crossipc hub` (the built CLI) under node, bun and deno, and request targets with `.` and `..`
 * segments (as sent, `%2e`-encoded): every step of the order (SPEC §10, §12) sees the path the URL
 * parser makes of them. Deno's `request.url` keeps them where Node's and Bun's come resolved, and a
 * Deno hub matched mocks and faults on the raw path and the 404 and the proxy on the resolved one:
 * `/x/../mocked/a` skipped the mock (404 "No route for GET /mocked/a"), `/x/%2e%2e/faulted/a`
 * skipped the fault, `/mocked/%2e%2e/faulted/a` was taken by the mock.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

/** The status line and body of a raw GET of `target` (fetch would resolve the dots before sending). */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(`${text.split("\r\n")[0]!.split(" ")[1]} ${text.slice(text.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n/, "").trim().slice(0, 60)}`));
  });
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
