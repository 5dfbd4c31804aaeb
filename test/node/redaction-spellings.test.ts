/**
 * Redacted names in the spellings services use, on Node, Bun and Deno hubs (test/fixtures/redaction-spellings.ts;
 * Deno with the README's `--allow-net=127.0.0.1`). Only the listed spellings were redacted: a
 * JavaScript login answer's `accessToken` and `refreshToken`, a Rails form's `user[password]`, a
 * query's `accessToken=`, an `Access-Token` or `X-Refresh-Token` header were all in the HAR as sent;
 * later an indexed form key (`token[0]`, how qs, PHP and Rails post a list) too, where `token[]` was redacted.
 * Names that only look alike (`page_token`, `nextToken`, `csrf_token`) keep their values: a replay
 * matches a redacted parameter with any value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: accessToken, Access-Token, X-Refresh-Token, user[password], token[] and token[0] read [redacted] in the HAR; page_token, nextToken, csrf_token, tokens[0] and token_type[0] do not`, { timeout: 60_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/redaction-spellings.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen = await child.nextJson<{ leaked: string[]; kept: string[] }>(45_000, "what the HAR showed");
    assert.deepEqual(seen.leaked, [], "secrets left in the HAR");
    assert.deepEqual(seen.kept, ["KEPT-csrf", "KEPT-email", "KEPT-h-page", "KEPT-json-email", "KEPT-next", "KEPT-page", "KEPT-page-indexed", "KEPT-tokens", "KEPT-type"]);
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
