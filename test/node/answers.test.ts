/**
 * How a request handler's result becomes the answer (issue 20): a plain value at once, a promise
 * or any other thenable when it settles, a throw or a rejection as `success:false`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IPCSocket } from "../../adapters/node.ts";

/** A socket whose answers are collected as they are written. */
function answering() {
  const sent: string[] = [];
  const socket = new IPCSocket({ send: (frame) => void sent.push(frame), close() {} });
  return { socket, sent };
}

describe("answers to requests", () => {
  test("a handler that returns a plain value is answered before receive() returns", () => {
    const { socket, sent } = answering();
    socket.onRequest("double", (n: number) => n * 2);
    socket.onRequest("nothing", () => undefined);
    socket.receive("r:1:double:21");
    socket.receive("r:2:nothing:");
    assert.deepEqual(sent, ['s:1:double:{"success":true,"data":42}', 's:2:nothing:{"success":true}']);
  });

  test("a promise, and a thenable that is not a Promise, are answered when they settle", async () => {
    const { socket, sent } = answering();
    let release!: (value: string) => void;
    socket.onRequest("later", () => new Promise<string>((resolve) => (release = resolve)));
    socket.onRequest("thenable", () => ({ then: (resolve: (v: number) => void) => resolve(7) }));
    socket.receive("r:1:later:");
    socket.receive("r:2:thenable:");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, ['s:2:thenable:{"success":true,"data":7}']);
    release("done");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, ['s:2:thenable:{"success":true,"data":7}', 's:1:later:{"success":true,"data":"done"}']);
  });

  test("a throw is answered at once, a rejection when it happens, both with the error's message", async () => {
    const { socket, sent } = answering();
    socket.onRequest("throws", () => {
      throw new Error("sync boom");
    });
    socket.onRequest("rejects", async () => {
      throw new Error("async boom");
    });
    socket.receive("r:1:throws:");
    assert.deepEqual(sent, ['s:1:throws:{"success":false,"error":"sync boom"}']);
    socket.receive("r:2:rejects:");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent.slice(1), ['s:2:rejects:{"success":false,"error":"async boom"}']);
  });

  test("a result JSON cannot hold is answered with success:false, at once for a plain value", () => {
    const { socket, sent } = answering();
    socket.onRequest("big", () => 10n);
    socket.receive("r:1:big:");
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /^s:1:big:\{"success":false,"error":"Result of 'big' is not JSON-serialisable: /);
  });

  test("every request is answered once: plain values in the order they came, promises as they settle", async () => {
    const { socket, sent } = answering();
    socket.onRequest("sync", (n: number) => n);
    socket.onRequest("async", async (n: number) => n);
    for (let i = 1; i <= 6; i++) socket.receive(`r:${i}:${i % 2 ? "sync" : "async"}:${i}`);
    await new Promise((resolve) => setImmediate(resolve));
    // Every request is answered exactly once; plain values first, in the order they came.
    assert.deepEqual(
      sent.map((frame) => frame.split(":")[1]),
      ["1", "3", "5", "2", "4", "6"],
    );
  });
});
