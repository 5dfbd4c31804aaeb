/**
 * A service that answers an ordinary proxied request with `101 Switching Protocols` gets its
 * client a `502` at once, on Node, Bun and Deno hubs (test/fixtures/unrequested-upgrade.ts; Deno
 * with the README's `--allow-net=127.0.0.1`). Node's and Deno's `node:http` upstream took the 101
 * as an upgrade nobody listened for and reported nothing: the client waited for `proxyTimeout` and
 * got a 504 naming a timeout that was not one (Bun's `fetch` refused it at once).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: a proxied request the service answers with 101 is a 502 naming it, not a 504`, { timeout: 60_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/unrequested-upgrade.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen = await child.nextJson<{ status: string; error: string }>(45_000, "the hub's answer");
    assert.match(seen.status, /^HTTP\/1\.1 502 /, JSON.stringify(seen));
    if (runtime !== "bun") assert.match(seen.error, /answered 101 Switching Protocols to a request that asked for no upgrade/);
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
