/**
 * `expect(actual).toBe/toEqual` on `node:assert/strict`, for the runners that have no `expect`
 * of their own (`node --test`, `Deno.test`; Deno runs `node:assert` without any permission).
 */
import assert from "node:assert/strict";
import type { Expect } from "./_suite.ts";

export const assertExpect: Expect = (actual) => ({
  toBe: (expected) => assert.equal(actual, expected),
  toEqual: (expected) => assert.deepEqual(actual, expected),
});
