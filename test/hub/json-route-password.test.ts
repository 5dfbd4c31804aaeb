/**
 * `crossipc hub --json` (the built CLI) under node, bun and deno: a service registered with a
 * password in its base URL (`http://alice:s3cret-pw@host`) has it printed `[redacted]` in the
 * routeAdded and routesEvicted events, as the text lines, the dashboard and the logs show it. The
 * JSON events printed the base URL whole, into whatever log collects the hub's output.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

const SECRET = "s3cret-pw";

for (const runtime of RUNTIMES) {
  test(`${runtime}: --json prints a service URL's password [redacted] when its route is added and evicted`, async (t) => {
    const { port, stdout: output } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);

    const service = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=with-password`);
    await once(service, "open");
    service.send(`r:1:discovery/register:${JSON.stringify([{ api: "secured", baseUrl: `http://alice:${SECRET}@127.0.0.1:1`, pathPrefix: "/secured" }])}`);
    await once(service, "message");
    service.close();
    const events = () => output().split("\n").slice(0, -1).map((line) => JSON.parse(line) as { event: string; baseUrl?: string; routes?: Array<{ baseUrl: string }> });
    for (const deadline = Date.now() + 10_000; !events().some((e) => e.event === "routesEvicted") && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    const added = events().find((e) => e.event === "routeAdded");
    const evicted = events().find((e) => e.event === "routesEvicted");
    assert.equal(added?.baseUrl, "http://alice:[redacted]@127.0.0.1:1", output());
    assert.deepEqual(evicted?.routes?.map((route) => route.baseUrl), ["http://alice:[redacted]@127.0.0.1:1"], output());
    assert.ok(!output().includes(SECRET), output());
  });
}
