/**
 * The fronts' frame reader (adapters/_ws-direct.ts) decodes text with a replacing decoder first
 * and asks the strict one only when the text holds U+FFFD (Deno's strict decoder cost ~10× the
 * replacing one at 64 KiB): a U+FFFD the client sent is still handed on as it came, and bytes that
 * are not UTF-8 still close with 1007, in small whole frames, large ones split across reads, and
 * fragments.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientFrames } from "../../adapters/_ws-direct.ts";
import { frame } from "../fixtures/_rawPeer.ts";


function reader() {
  const got: Array<string | Uint8Array> = [];
  const failed: number[] = [];
  const frames = new ClientFrames(1 << 20, { message: (data) => got.push(data), control: () => {}, fail: (code) => failed.push(code) });
  return { got, failed, frames };
}

/** Fed in pieces of `step` bytes, as reads would bring them. */
function feedInPieces(frames: ClientFrames, bytes: Uint8Array, step: number): void {
  for (let i = 0; i < bytes.length; i += step) frames.feed(bytes.subarray(i, Math.min(bytes.length, i + step)));
}

const large = (text: string) => text.padEnd(40_000, "x") + text;

test("a text message holding U+FFFD is handed on as sent: whole, large in pieces, fragmented", () => {
  const { got, failed, frames } = reader();
  const small = "a\uFFFDb";
  frames.feed(frame(1, Buffer.from(small)));
  feedInPieces(frames, frame(1, Buffer.from(large(small))), 7_000);
  frames.feed(Buffer.concat([frame(1, Buffer.from("\uFFFD"), { fin: false }), frame(0, Buffer.from("z"))]));
  assert.deepEqual(failed, []);
  assert.deepEqual(got, [small, large(small), "\uFFFDz"]);
});

for (const [name, bad] of [
  ["a lone continuation byte", [0x80]],
  ["an encoded surrogate", [0xed, 0xa0, 0x80]],
  ["an overlong encoding", [0xc0, 0x80]],
  ["a sequence cut at the end", [0xe2, 0x82]],
] as const) {
  test(`${name} closes with 1007 and is not handed on, small or large, with or without a U+FFFD sent beside it`, () => {
    for (const before of ["", "\uFFFD"]) {
      for (const size of ["small", "large"]) {
        const { got, failed, frames } = reader();
        const head = Buffer.from(size === "small" ? `${before}ok` : large(before));
        const bytes = frame(1, Buffer.concat([head, Buffer.from(bad)]));
        feedInPieces(frames, bytes, size === "small" ? bytes.length : 9_000);
        frames.feed(frame(1, Buffer.from("after")));
        assert.deepEqual(failed, [1007], `${size}, ${JSON.stringify(before)}`);
        assert.deepEqual(got, [], `${size}, ${JSON.stringify(before)}`);
      }
    }
  });
}
