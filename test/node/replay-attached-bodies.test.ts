/**
 * A HAR whose bodies are files beside it (Playwright's `recordHar` with `content: "attach"`, its
 * default for a .zip) holds `_file` names instead of text: a replay cannot read them, and says
 * so, naming the entry, instead of answering empty bodies as if they had been recorded.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkHar, HarError } from "../../adapters/node.ts";
import { har, harEntry } from "./_harEntry.ts";

test("a response body kept in a _file beside the HAR is refused, naming the entry and what to do", () => {
  const attached = harEntry("GET", "/api/items", 200, "");
  attached.response.content = { size: 11, mimeType: "application/json", _file: "4f2d0c6a.json" } as typeof attached.response.content;
  const error = (() => {
    try {
      checkHar(har(harEntry("GET", "/ok", 200, "fine"), attached));
    } catch (caught) {
      return caught as HarError;
    }
    assert.fail("the HAR was accepted");
  })();
  assert.ok(error instanceof HarError);
  assert.equal(error.entry, 1);
  assert.match(error.message, /entry 1: response\.content\._file .*content: "embed"/);
});

test("a request body kept in a _file is refused too", () => {
  const attached = harEntry("POST", "/api/items", 201, "{}");
  attached.request.postData = { mimeType: "application/json", text: "", _file: "9b1e.json" } as typeof attached.request.postData;
  assert.throws(() => checkHar(har(attached)), /entry 0: request\.postData\._file/);
});
