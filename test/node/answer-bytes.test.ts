/**
 * An answer's frame is built without the `{ success: true, data }` object around the result
 * (session 15, speed): the bytes must stay those of serialising that object, for every kind of
 * result, and a result JSON cannot hold must fail with the same message.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";
import { SerializedResult, encodeFrame, encodeSuccess } from "../../src/protocol.ts";

/** What the answer was before: the whole body serialised at once. */
const wrapped = (id: string, path: string, data: unknown) => encodeFrame("s", id, path, { success: true, data });

class Keyed {
  toJSON(key: string) {
    return { under: key };
  }
}

const results: Array<[string, unknown]> = [
  ["undefined", undefined],
  ["null", null],
  ["a number", 42],
  ["-0", -0],
  ["NaN", NaN],
  ["a string with quotes, a colon and a line break", 'a "b":\nc \u2028 \ud83d\ude00'],
  ["a lone surrogate", "\ud800"],
  ["true", true],
  ["an object with undefined and function members", { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol("s")] }],
  ["a function", () => 1],
  ["a symbol", Symbol("s")],
  ["a Date (toJSON)", new Date(0)],
  ["a toJSON that uses its key", new Keyed()],
  ["a Map", new Map([[1, 2]])],
  ["an array of 2,000 characters (past the short-frame limit)", ["x".repeat(2000)]],
  ["exactly at the short-frame limit", "y".repeat(1022)],
  ["64 KiB", { text: "z".repeat(64 * 1024) }],
];

describe("answer frames", () => {
  for (const [name, data] of results) {
    test(`${name}: the same bytes as serialising { success: true, data }`, () => {
      assert.equal(encodeSuccess("7", "path", data), wrapped("7", "path", data));
    });
  }

  test("a result serialised already (the hub's journal answer, measured as JSON first): the same bytes as the value it was made from", () => {
    for (const [name, data] of results) {
      const json = JSON.stringify(data);
      if (json === undefined || typeof (data as { toJSON?: unknown })?.toJSON === "function") continue;
      assert.equal(encodeSuccess("7", "path", new SerializedResult(json)), wrapped("7", "path", data), name);
    }
  });

  test("a toJSON is told the key 'data', as when the whole body is serialised", () => {
    const sent: string[] = [];
    const socket = new IPCSocket({ send: (frame) => void sent.push(frame), close() {} });
    socket.onRequest("keyed", () => new Keyed());
    socket.receive("r:1:keyed:");
    assert.deepEqual(sent, ['s:1:keyed:{"success":true,"data":{"under":"data"}}']);
  });

  test("a result JSON cannot hold fails with the message serialising the whole body gave", () => {
    const cycle: Record<string, unknown> = { a: { b: 1 } };
    (cycle.a as Record<string, unknown>).self = cycle;
    const throwing = {
      get bad(): never {
        throw new Error("getter failed");
      },
    };
    for (const data of [cycle, { n: 1n }, 1n, throwing]) {
      let expected: unknown;
      try {
        wrapped("1", "p", data);
      } catch (error) {
        expected = (error as Error).message;
      }
      assert.ok(expected, "the old way throws too");
      assert.throws(() => encodeSuccess("1", "p", data), (error: Error) => error.message === expected);
      const sent: string[] = [];
      const socket = new IPCSocket({ send: (frame) => void sent.push(frame), close() {} });
      socket.onRequest("p", () => data);
      socket.receive("r:1:p:");
      assert.deepEqual(sent, [encodeFrame("s", "1", "p", { success: false, error: `Result of 'p' is not JSON-serialisable: ${expected}` })]);
    }
  });

  test("requests and messages keep their frames, short and long", () => {
    assert.equal(encodeFrame("r", "3", "echo", { a: 1 }), 'r:3:echo:{"a":1}');
    assert.equal(encodeFrame("m", "", "note", undefined), "m::note:");
    assert.equal(encodeFrame("m", "", "note", () => 1), "m::note:");
    const long = "q".repeat(5000);
    assert.equal(encodeFrame("r", "4", "echo", long), `r:4:echo:"${long}"`);
  });
});
