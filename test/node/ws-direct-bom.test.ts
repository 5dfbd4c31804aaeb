/**
 * The Bun front's own frame reader (adapters/_ws-direct.ts) hands a text message on as it came:
 * a message that begins with U+FEFF keeps it, as Bun.serve and `ws` hand it on (a TextDecoder
 * strips it unless told not to), whole frames and fragmented ones alike.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames } from "../../adapters/_ws-direct.ts";
import { frame } from "../fixtures/_rawPeer.ts";


test("a text message that begins with a BOM keeps it, whole or in fragments", () => {
  const got: Array<string | Uint8Array> = [];
  const reader = new ClientFrames(1 << 20, { message: (data) => got.push(data), control: () => {}, fail: (code) => assert.fail(`closed ${code}`) });
  reader.feed(frame(1, "\uFEFFwhole"));
  reader.feed(Buffer.concat([frame(1, "\uFEFFfrag", { fin: false }), frame(0, "ments")]));
  assert.deepEqual(got, ["\uFEFFwhole", "\uFEFFfragments"]);
});
