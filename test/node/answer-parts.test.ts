/**
 * A long answer goes to a target that frames its bytes itself (the Bun and Deno fronts) in parts,
 * encoded straight into its frame, not joined into one string first (session 16, speed): the
 * parts must join to the frame `encodeSuccess` gives, for every kind of result, and the frame
 * the front writes must be the same bytes as the joined frame's, at every length form, with
 * characters of 2, 3 and 4 bytes and lone surrogates around the parts' edges.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";
import { allocateOutsidePool, textFrame, textFrameParts } from "../../adapters/_ws-direct.ts";
import { encodeFrame, encodeSuccess, encodeSuccessParts, type FrameParts } from "../../src/protocol.ts";

const wrapped = (id: string, path: string, data: unknown) => encodeFrame("s", id, path, { success: true, data });

const results: Array<[string, unknown]> = [
  ["undefined", undefined],
  ["a short string", "short"],
  ["a Date (toJSON)", new Date(0)],
  ["just under the short-frame limit", "y".repeat(1022 - '{"success":true,"data":'.length - 1 - 2)],
  ["just past it", "y".repeat(1024)],
  ["64 KiB with quotes, a line break, an emoji and a lone surrogate", { t: 'a "b"\n😀\ud800'.repeat(6000) }],
  ["a long toJSON result", { toJSON: () => "t".repeat(5000) }],
];

for (const [name, data] of results) {
  test(`${name}: the parts join to the frame serialising { success: true, data } gives`, () => {
    const parts = encodeSuccessParts("7", "a/\ud83d:path".replace(":", ""), data);
    const joined = typeof parts === "string" ? parts : parts.join("");
    assert.equal(joined, wrapped("7", "a/\ud83dpath", data));
    assert.equal(joined, encodeSuccess("7", "a/\ud83dpath", data));
  });
}

test("only DATA past the short-frame limit comes in parts, and never a toJSON's", () => {
  assert.equal(typeof encodeSuccessParts("1", "p", "x".repeat(100)), "string");
  assert.equal(typeof encodeSuccessParts("1", "p", { toJSON: () => "x".repeat(5000) }), "string");
  const parts = encodeSuccessParts("1", "p", "x".repeat(5000)) as FrameParts;
  assert.deepEqual([parts.length, parts[0], parts[2]], [3, 's:1:p:{"success":true,"data":', "}"]);
});

test("a socket hands a long answer to the target's sendParts, a short one to send; without sendParts it is joined", () => {
  const sent: string[] = [];
  const parted: FrameParts[] = [];
  const socket = new IPCSocket({ send: (frame) => void sent.push(frame), sendParts: (parts) => void parted.push(parts), close() {} });
  socket.onRequest("echo", (x) => x);
  socket.receive(`r:1:echo:${JSON.stringify("s")}`);
  socket.receive(`r:2:echo:${JSON.stringify("L".repeat(3000))}`);
  assert.deepEqual(sent, [wrapped("1", "echo", "s")]);
  assert.equal(parted.length, 1);
  assert.equal(parted[0]!.join(""), wrapped("2", "echo", "L".repeat(3000)));
  const plain: string[] = [];
  const other = new IPCSocket({ send: (frame) => void plain.push(frame), close() {} });
  other.onRequest("echo", (x) => x);
  other.receive(`r:3:echo:${JSON.stringify("L".repeat(3000))}`);
  assert.deepEqual(plain, [wrapped("3", "echo", "L".repeat(3000))]);
});

test("a frame written from parts is the bytes of the joined frame, at every length form", () => {
  const edges = ["é", "€", "😀", "\ud800", "x"];
  for (const n of [0, 1, 120, 123, 124, 125, 126, 127, 4000, 0xfff0, 0xfffe, 0xffff, 0x10000, 0x10001, 1024 * 1024]) {
    for (const edge of edges) {
      const head = `s:1:p${edge}:{"success":true,"data":`;
      const json = JSON.stringify(edge + "x".repeat(n) + edge);
      const parts: FrameParts = [head, json, "}"];
      const expected = textFrame(parts.join(""));
      for (const allocate of [undefined, allocateOutsidePool]) {
        const framed = textFrameParts(parts, allocate);
        assert.equal(Buffer.compare(Buffer.from(framed), Buffer.from(expected)), 0, `${n} bytes, ${JSON.stringify(edge)} at the edges`);
      }
    }
  }
});
