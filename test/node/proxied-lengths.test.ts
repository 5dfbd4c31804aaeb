/**
 * A proxied answer without a body says what the service said of its length, on Node, Bun and Deno
 * hubs (test/fixtures/proxied-lengths.ts; Deno with the README's `--allow-net=127.0.0.1`): a HEAD's
 * `content-length` (the GET's), none for a service that sent none, and a 304's `content-length`.
 * A Bun hub dropped the 304's (h3 drops `content-length`), and a Deno hub answered a HEAD the service
 * gave no length with `content-length: 0`, an empty GET. Left as the runtimes' own, in the README:
 * `Bun.serve` puts `content-length: 0` on any HEAD answer without one, and `Deno.serve` takes it off a 304.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const AS_SENT: Record<string, string[]> = {
  "HEAD /length": ["http/1.1 200 ok", "content-length: 12345"],
  "HEAD /chunked": ["http/1.1 200 ok"],
  "HEAD /neither": ["http/1.1 200 ok"],
  "GET /not-modified": ["http/1.1 304 not modified", "content-length: 12345"],
  "GET /not-modified-bare": ["http/1.1 304 not modified"],
};
/** What each runtime's server does itself (README, "What each runtime bounds"). */
const RUNTIMES_OWN: Record<string, Record<string, string[]>> = {
  node: {},
  // crossipc passes on the service's transfer-encoding (6d78b16) where it has no length to give.
  bun: { "HEAD /chunked": ["http/1.1 200 ok", "transfer-encoding: chunked"], "HEAD /neither": ["http/1.1 200 ok", "content-length: 0"] },
  deno: { "GET /not-modified": ["http/1.1 304 not modified"] },
};

for (const runtime of RUNTIMES) {
  test(`${runtime}: a proxied HEAD and 304 say the service's length, or none where it gave none`, { timeout: 60_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/proxied-lengths.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen = await child.nextJson<Record<string, string[]>>(45_000, "the length headers");
    assert.deepEqual(seen, { ...AS_SENT, ...RUNTIMES_OWN[runtime] });
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
