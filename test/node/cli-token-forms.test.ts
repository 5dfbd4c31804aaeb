/**
 * The CLI never prints the token it sends, in the forms it comes back in: a hub's journal shows a
 * path's `?token=` percent-encoded, so a base64 token (`+`, `/`, `=`) came back as `%2B`, `%2F`,
 * `%3D` and `crossipc journal` printed it; `--json` escapes a `"` or a `\` in it. Before, only
 * the token as given was replaced. (test/hub/cli-hostile-hub.test.ts runs the CLI itself against
 * hubs that echo the token as given.)
 */
import assert from "node:assert/strict";
import test from "node:test";
import { neverPrint, printable, withoutSecret } from "../../bin/_printable.ts";

test("the token reads [redacted] as given, percent-encoded, form-encoded and JSON-escaped", (t) => {
  t.after(() => neverPrint(undefined));
  const token = 'q+7Z/x== "with\\ space';
  neverPrint(token);
  for (const form of [token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)]) {
    assert.equal(printable(`GET /p?token=${form} → no route`), "GET /p?token=[redacted] → no route", form);
    assert.equal(withoutSecret(JSON.stringify({ path: `/p?token=${form}` })), '{"path":"/p?token=[redacted]"}', form);
  }
  // --json: the token's `"` and `\` escaped as JSON writes them.
  assert.equal(withoutSecret(JSON.stringify({ runtimeId: token })), '{"runtimeId":"[redacted]"}');
});

test("a token shorter than 8 characters is left alone, in every form", (t) => {
  t.after(() => neverPrint(undefined));
  neverPrint("a+b");
  assert.equal(printable("a+b a%2Bb"), "a+b a%2Bb");
});
