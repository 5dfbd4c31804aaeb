/**
 * The fronts' own frame reader (adapters/_ws-direct.ts) holds a fragmented message's bytes, not
 * its frames: empty continuation frames (6 bytes each on the wire) add nothing to the message and
 * nothing to what it keeps. Kept one array each, 18 MB of them held 586 MB in a Bun or Deno hub,
 * never reaching `maxMessageSize`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames } from "../../adapters/_ws-direct.ts";

function masked(opcode: number, text: string, fin: boolean): Buffer {
  const body = Buffer.from(text);
  const mask = [0x11, 0x22, 0x33, 0x44];
  const out = Buffer.alloc(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body[i]! ^ mask[i & 3]!;
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | body.length]), Buffer.from(mask), out]);
}

test("empty continuation frames are not kept; the message they are part of arrives whole", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1024, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(masked(1, "he", false));
  const empties = Buffer.concat(Array.from({ length: 10_000 }, () => masked(0, "", false)));
  for (let i = 0; i < 10; i++) reader.feed(empties);
  // "he" alone: 100 000 empty fragments behind it hold nothing.
  assert.equal(reader.heldFragments, 1);
  reader.feed(masked(0, "llo", true));
  assert.deepEqual(got, ["hello"]);
  assert.equal(reader.heldFragments, 0);
});

test("a message of empty fragments only is an empty message", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1024, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(Buffer.concat([masked(1, "", false), masked(0, "", false), masked(0, "", true), masked(1, "next", true)]));
  assert.deepEqual(got, ["", "next"]);
  assert.equal(reader.heldFragments, 0);
});
