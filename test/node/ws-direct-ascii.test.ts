/**
 * The fronts' frame reader (adapters/_ws-direct.ts) takes a small whole text frame whose bytes
 * are all ASCII as Latin-1, with no decoder (`unmaskSmall`): whether a frame is ASCII comes from
 * its bytes OR-ed together as they are unmasked, four at a time and then up to three more. A byte
 * of 0x80 or more anywhere — in the four-byte part or the last one to three — must still reach the
 * decoder: a character of two to four bytes arrives as it was sent, bytes that are not UTF-8 close
 * with 1007, at every length around the four-byte steps and either side of the size where the
 * check stops (512 B).
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

/** Lengths around every four-byte step near the start and either side of the 512 B check. */
const LENGTHS = [...Array.from({ length: 24 }, (_, i) => i + 1), 125, 126, 127, 128, 509, 510, 511, 512, 513, 514, 515, 516, 600];

test("ASCII text of every length is handed on as sent, each of the 128 values in every place", () => {
  for (const length of LENGTHS) {
    const { got, failed, frames } = reader();
    const texts: string[] = [];
    for (let shift = 0; shift < 128; shift += 37) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode((i + shift) & 0x7f)).join("");
      texts.push(text);
      frames.feed(frame(1, text));
    }
    assert.deepEqual(failed, [], `length ${length}`);
    assert.deepEqual(got, texts, `length ${length}`);
  }
});

test("a character past ASCII in any place, the last three bytes included, is decoded as UTF-8", () => {
  for (const wide of ["é", "€", "😀", "\uFFFD"]) {
    const bytes = Buffer.byteLength(wide);
    for (const length of LENGTHS.filter((n) => n >= bytes)) {
      const { got, failed, frames } = reader();
      const texts: string[] = [];
      for (let at = 0; at + bytes <= length; at += at < 8 || at > length - 8 ? 1 : 61) {
        const text = "a".repeat(at) + wide + "b".repeat(length - at - bytes);
        texts.push(text);
        frames.feed(frame(1, text));
      }
      assert.deepEqual(failed, [], `${wide}, length ${length}`);
      assert.deepEqual(got, texts, `${wide}, length ${length}`);
    }
  }
});

test("a byte that is not UTF-8 in any place, the last three bytes included, closes with 1007", () => {
  for (const bad of [0x80, 0xc0, 0xff]) {
    for (const length of LENGTHS) {
      for (let at = 0; at < length; at += at < 8 || at > length - 8 ? 1 : 97) {
        const { got, failed, frames } = reader();
        const bytes = Buffer.alloc(length, 0x61);
        bytes[at] = bad;
        frames.feed(frame(1, bytes));
        frames.feed(frame(1, "after"));
        assert.deepEqual(failed, [1007], `0x${bad.toString(16)} at ${at} of ${length}`);
        assert.deepEqual(got, [], `0x${bad.toString(16)} at ${at} of ${length}`);
      }
    }
  }
});
