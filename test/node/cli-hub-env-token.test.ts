/** `crossipc hub` started with CROSSIPC_ACCESS_TOKEN: its start line (a terminal, a CI log) does not show the token. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { spawnCrossipc } from "./_cli.ts";
import { waitFor } from "./_helpers.ts";

test("a token from CROSSIPC_ACCESS_TOKEN is not printed as the dashboard key; the dashboard still opens with it", async (t) => {
  const { child, out } = spawnCrossipc(["hub", "--port", "0"], { CROSSIPC_ACCESS_TOKEN: "env-s3cret-token" });
  t.after(async () => {
    child.kill("SIGINT");
    if (child.exitCode === null) await once(child, "exit");
  });
  // Up to the line's end: it may arrive in pieces.
  await waitFor(() => /dashboard:[^\n]*\n/.test(out()), "the start line");
  assert.doesNotMatch(out(), /env-s3cret-token/);
  const line = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/__crossipc\/) \(add #key=<CROSSIPC_ACCESS_TOKEN>\)/.exec(out());
  assert.ok(line, out());
  // The key is the token: the dashboard's API answers a browser that presents it.
  const api = `${line[1]}api/state`;
  const origin = new URL(line[1]!).origin;
  const headers = { "sec-fetch-site": "same-origin", origin };
  assert.equal((await fetch(api, { headers })).status, 401);
  const state = await fetch(api, { headers: { ...headers, "x-crossipc-key": "env-s3cret-token" } });
  assert.equal(state.status, 200);
});
