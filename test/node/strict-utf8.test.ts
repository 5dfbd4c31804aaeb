/**
 * The one strict UTF-8 decoder (src/_utf8.ts, `strictUtf8`) that the journal, the mocks' wire,
 * the replays and the fronts' frame reader decide text or binary by: each had a decoder of its
 * own, alike. Text comes back as it was sent, a leading U+FEFF included; bytes that are not UTF-8
 * (a stray continuation byte, a sequence cut short, an encoded surrogate, an overlong form) are
 * `undefined`, never text with U+FFFD in their place.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { strictUtf8 } from "../../src/_utf8.ts";
import { encodeBody } from "../../src/mocks/_wire.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

test("UTF-8 is text as sent, a leading BOM and a U+FFFD the sender wrote included", () => {
  for (const text of ["", "plain", "é ü 😀", "\uFEFFwith a BOM", "a\uFFFDb"]) assert.equal(strictUtf8(new TextEncoder().encode(text)), text);
});

test("bytes that are not UTF-8 are undefined", () => {
  for (const [name, value] of [
    ["a stray continuation byte", bytes(0x61, 0x80)],
    ["a sequence cut short", bytes(0xe2, 0x82)],
    ["an encoded surrogate", bytes(0xed, 0xa0, 0x80)],
    ["an overlong '/'", bytes(0xc0, 0xaf)],
    ["0xff", bytes(0xff)],
  ] as const) {
    assert.equal(strictUtf8(value), undefined, name);
  }
});

test("the mocks' wire sends text as text and the rest as base64, by that decoder", () => {
  assert.deepEqual(encodeBody(new TextEncoder().encode("\uFEFFhi")), { text: "\uFEFFhi" });
  assert.deepEqual(encodeBody(bytes(0x68, 0xff)), { base64: "aP8=" });
});
