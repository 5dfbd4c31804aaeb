/**
 * A Bun hub sends a framework connection's frames of one event-loop turn in one write
 * (adapters/_bun-frames.ts): a remote mock's takes, relayed each from its own HTTP request's
 * callback, were one syscall each. What a user sees must not change: every answer arrives, in
 * order, and answers sent before the hub closes a connection arrive before its close frame.
 */
import { expect, test } from "bun:test";
import { directFramesBun, markingCallbacks } from "../../adapters/_bun-frames.ts";
import { crossipc, once, startServer } from "./_setup.ts";

test("frames from separate callbacks of one turn leave together under cork; a new turn's first goes at once", async () => {
  const calls: string[] = [];
  const ws = {
    send: (frame: string) => (calls.push(`send ${frame}`), frame.length),
    cork: (callback: () => void) => (calls.push("cork"), callback(), calls.push("uncork")),
    getBufferedAmount: () => 0,
  };
  const writer = directFramesBun({ _internal: { ws } }, () => {}, 1024 * 1024, 1024 * 1024)!;
  writer.send("a");
  // Another callback of the same turn (the next HTTP request of a read batch): its promise jobs ran in between.
  await Promise.resolve();
  writer.send("b");
  writer.send("c");
  expect(calls).toEqual(["send a"]);
  expect(writer.bufferedAmount).toBe(2);
  await new Promise((resolve) => setImmediate(resolve));
  expect(calls).toEqual(["send a", "cork", "send b", "send c", "uncork"]);
  writer.send("d");
  expect(calls.at(-1)).toBe("send d");
  await new Promise((resolve) => setImmediate(resolve));
});

test("sends from the socket's own message callback go at once (Bun corks them), unless frames are held before them", async () => {
  const calls: string[] = [];
  const ws = { send: (frame: string) => (calls.push(`send ${frame}`), 1), cork: (callback: () => void) => (calls.push("cork"), callback()), getBufferedAmount: () => 0 };
  const writer = directFramesBun({ _internal: { ws } }, () => {}, 1024 * 1024, 1024 * 1024)!;
  const message = markingCallbacks((_ws: unknown, frame: string) => writer.send(frame));
  message(ws, "a");
  message(ws, "b");
  expect(calls).toEqual(["send a", "send b"]);
  // Outside the callback the turn's first frame goes, its second is held; one sent in the callback then waits behind it.
  writer.send("c");
  writer.send("d");
  message(ws, "e");
  expect(calls).toEqual(["send a", "send b", "send c"]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(calls).toEqual(["send a", "send b", "send c", "cork", "send d", "send e"]);
});

// On Bun.serve alone, where the turn's frames are held (behind the hub's front the front carries
// the frames itself and holds none: test/bun/front-frames.test.ts). Bun.serve hands each message
// to its own callback and runs the promise jobs between them, so the 19 answers are sent before
// the 20th request is handled; the front, like `ws` on Node, hands the messages of one read on
// in one go.
test("answers sent before the hub closes a connection arrive before its close frame", async () => {
  const server = await startServer({ resettableConnections: false });
  const echo = crossipc.IPCServer.defineRequest<number, number>("echo");
  // The 20th request tears the hub down from inside its handler: the 19 answers before it were
  // sent in the same turn (held for its end: an async handler answers outside the socket's own
  // callback, as a relayed take is sent) and must still reach the client, then the close.
  server.onFrameworkMessage(echo, async (n) => {
    if (n === 20) void server.teardown();
    return n;
  });
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection`);
  await once((cb) => ws.addEventListener("open", cb));
  const answers: string[] = [];
  ws.addEventListener("message", (event) => answers.push(event.data as string));
  const closed = once<[CloseEvent]>((cb) => ws.addEventListener("close", cb));
  for (let i = 1; i <= 20; i++) ws.send(`r:${i}:echo:${i}`);
  const [event] = await closed;
  expect(event.code).toBe(1001);
  expect(answers).toEqual(Array.from({ length: 19 }, (_, i) => `s:${i + 1}:echo:{"success":true,"data":${i + 1}}`));
});
