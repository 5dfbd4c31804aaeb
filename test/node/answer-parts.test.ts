/**
 * A long answer reaches a writer that frames text itself (the Bun and Deno fronts' `DirectFrames`)
 * in three parts, `sendParts(head, json, tail)`, and the frame built from them is byte for byte
 * the frame of the joined answer: the answer is never joined into one string first (bench/ANALYSIS.md,
 * "Session 25 (Bun 64 KiB)"). Short answers, and targets without `sendParts`, get the whole frame.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCSocket, type IPCSocketTarget } from "../../src/IPCSocket.ts";
import { encodeFrame, encodeSuccess, SerializedResult } from "../../src/protocol.ts";
import { textFrame, textFrameParts } from "../../adapters/_ws-direct.ts";

interface Written {
  whole: string[];
  parts: Array<[string, string, string]>;
}

function target(withParts: boolean): IPCSocketTarget & { written: Written } {
  const written: Written = { whole: [], parts: [] };
  return {
    written,
    send: (frame: string) => written.whole.push(frame),
    close() {},
    ...(withParts ? { sendParts: (head: string, json: string, tail: string) => written.parts.push([head, json, tail]) } : {}),
  };
}

/** The answer `socket` gives to request `id` for `path` with `data` sent, its handler returning `result`. */
function answer(withParts: boolean, result: unknown): Written {
  const to = target(withParts);
  const socket = new IPCSocket(to, { attach: false });
  socket.onRequest("get", () => result);
  socket.receive(encodeFrame("r", "7", "get", null));
  return to.written;
}

const long = { id: 1, text: "é😀a".repeat(2000) };

test("a long answer goes to sendParts, and its parts joined are the answer's frame", () => {
  const written = answer(true, long);
  assert.deepEqual(written.whole, []);
  assert.equal(written.parts.length, 1);
  assert.equal(written.parts[0]!.join(""), encodeSuccess("7", "get", long));
});

test("an answer already serialised (the hub's journal) goes in parts as it is", () => {
  const json = JSON.stringify(long);
  const written = answer(true, new SerializedResult(json));
  assert.equal(written.parts.length, 1);
  assert.equal(written.parts[0]![1], json);
  assert.equal(written.parts[0]!.join(""), encodeSuccess("7", "get", long));
});

test("short answers, values with toJSON, unserialisable ones and targets without sendParts get the whole frame", () => {
  assert.deepEqual(answer(true, { a: 1 }), { whole: [encodeSuccess("7", "get", { a: 1 })], parts: [] });
  const dated = { at: new Date(0), text: "x".repeat(5000) };
  const withToJSON = { toJSON: () => dated };
  const toJSONAnswer = answer(true, withToJSON);
  assert.equal([...toJSONAnswer.whole, ...toJSONAnswer.parts.map((p) => p.join(""))].join(""), encodeSuccess("7", "get", withToJSON));
  assert.deepEqual(answer(true, undefined), { whole: [encodeSuccess("7", "get", undefined)], parts: [] });
  const failed = answer(true, { n: 1n, text: "x".repeat(5000) });
  assert.equal(failed.parts.length, 0);
  assert.match(failed.whole[0]!, /^s:7:get:\{"success":false,"error":"Result of 'get' is not JSON-serialisable/);
  assert.deepEqual(answer(false, long), { whole: [encodeSuccess("7", "get", long)], parts: [] });
});

test("a frame of parts is byte for byte the frame of the joined text, at every length form and UTF-8 width", () => {
  const head = 's:12:path/ü:{"success":true,"data":';
  for (const unit of ["a", "é", "€", "😀"]) {
    for (const bytes of [0, 80, 125, 126, 127, 1000, 65_000, 65_535, 65_536, 70_000]) {
      const json = JSON.stringify(unit.repeat(Math.floor(bytes / Buffer.byteLength(unit))));
      const parts = textFrameParts(head, json, "}");
      assert.deepEqual(Buffer.from(parts), Buffer.from(textFrame(head + json + "}")), `${bytes} bytes of ${unit}`);
    }
  }
  // A lone surrogate in the head is replaced as the joined text's would be (JSON.stringify escapes its own).
  assert.deepEqual(Buffer.from(textFrameParts("s:1:\uD800:", '"x"', "}")), Buffer.from(textFrame('s:1:\uD800:"x"}')));
});
