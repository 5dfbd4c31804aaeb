/** `quoted`: how a refusal shows a value another process sent (src/_excerpt.ts). */
import assert from "node:assert/strict";
import test from "node:test";
import { quoted } from "../../src/_excerpt.ts";

test("strings are quoted and cut, numbers shown as written, short lists listed", () => {
  assert.equal(quoted("GET"), '"GET"');
  assert.equal(quoted("x".repeat(100)), `"${"x".repeat(60)}…"`);
  assert.equal(quoted(NaN), "NaN");
  assert.equal(quoted(Infinity), "Infinity");
  assert.equal(quoted(undefined), "undefined");
  assert.equal(quoted(null), "null");
  assert.equal(quoted([10, 5]), "[10, 5]");
  assert.equal(quoted(["a", null, true]), '["a", null, true]');
});

test("a large or deep value is named by its kind, never stringified whole", () => {
  let deep: unknown = {};
  for (let i = 0; i < 150_000; i++) deep = { a: deep };
  assert.throws(() => JSON.stringify(deep), RangeError, "JSON.stringify overflows on it");
  assert.equal(quoted(deep), "an object");
  assert.equal(quoted(new Array(1_000_000).fill(1)), "an array of 1000000");
  assert.equal(quoted([[1], 2]), "an array of 2");
  assert.equal(quoted(() => "source"), "a function");
});
