/**
 * The Bun front's own frame reader (adapters/_ws-direct.ts) hands a text message on as it came:
 * a message that begins with U+FEFF keeps it, as Bun.serve and `ws` hand it on (a TextDecoder
 * strips it unless told not to), whole frames and fragmented ones alike.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames } from "../../adapters/_ws-direct.ts";

function masked(opcode: number, text: string, fin = true): Buffer {
  const body = Buffer.from(text);
  const mask = [0x11, 0x22, 0x33, 0x44];
  const out = Buffer.alloc(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body[i]! ^ mask[i & 3]!;
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | body.length]), Buffer.from(mask), out]);
}

test("a text message that begins with a BOM keeps it, whole or in fragments", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1 << 20, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(masked(1, "\uFEFFwhole"));
  reader.feed(Buffer.concat([masked(1, "\uFEFFfrag", false), masked(0, "ments")]));
  assert.deepEqual(got, ["\uFEFFwhole", "\uFEFFfragments"]);
});
