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

function masked(opcode: number, body: Uint8Array, fin = true): Buffer {
  const mask = [0x11, 0x22, 0x33, 0x44];
  const out = Buffer.alloc(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body[i]! ^ mask[i & 3]!;
  const head = body.length < 126 ? Buffer.from([0, 0x80 | body.length]) : Buffer.from([0, 0x80 | 126, body.length >> 8, body.length & 0xff]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, Buffer.from(mask), out]);
}

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
  frames.feed(masked(1, Buffer.from(small)));
  feedInPieces(frames, masked(1, Buffer.from(large(small))), 7_000);
  frames.feed(Buffer.concat([masked(1, Buffer.from("\uFFFD"), false), masked(0, Buffer.from("z"))]));
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
        const frame = masked(1, Buffer.concat([head, Buffer.from(bad)]));
        feedInPieces(frames, frame, size === "small" ? frame.length : 9_000);
        frames.feed(masked(1, Buffer.from("after")));
        assert.deepEqual(failed, [1007], `${size}, ${JSON.stringify(before)}`);
        assert.deepEqual(got, [], `${size}, ${JSON.stringify(before)}`);
      }
    }
  });
}
