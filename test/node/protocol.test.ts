import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeFrame, IPCSocket, parseFrame } from "../../adapters/node.ts";
import { rejection } from "./_helpers.ts";

describe("frames", () => {
  test("encode matches the original byte for byte", () => {
    assert.equal(encodeFrame("r", "1", "discovery/register", [{ api: "users" }]), 'r:1:discovery/register:[{"api":"users"}]');
    assert.equal(encodeFrame("m", "", "log/line", undefined), "m::log/line:");
    assert.equal(encodeFrame("s", "7", "a", { success: true }), 's:7:a:{"success":true}');
  });

  test("parse keeps every ':' after the third in DATA", () => {
    assert.deepEqual(parseFrame('r:12:svc/get:{"url":"http://x:1/a:b"}'), {
      type: "r",
      id: "12",
      path: "svc/get",
      rawData: '{"url":"http://x:1/a:b"}',
    });
  });

  test("parse accepts a frame with an empty DATA and with no third separator", () => {
    assert.deepEqual(parseFrame("m::ping:"), { type: "m", id: "", path: "ping", rawData: "" });
    assert.deepEqual(parseFrame("r:3:ping"), { type: "r", id: "3", path: "ping", rawData: "" });
  });

  test("parse rejects what is not a frame", () => {
    for (const bad of ["", "x", "r", "r:", "r:1", "x:1:a:1", "rr:1:a:", "hello world", ":::"]) {
      assert.equal(parseFrame(bad), undefined, bad);
    }
  });
});

/** An in-memory pair of IPCSockets wired to each other. */
function pair(options: { timeout?: number } = {}) {
  const sentByA: string[] = [];
  const sentByB: string[] = [];
  let a!: IPCSocket;
  let b!: IPCSocket;
  a = new IPCSocket({ send: (f) => (sentByA.push(f), queueMicrotask(() => b.receive(f))), close: () => b.handleClose(1000) }, { requestTimeout: options.timeout });
  b = new IPCSocket({ send: (f) => (sentByB.push(f), queueMicrotask(() => a.receive(f))), close: () => a.handleClose(1000) }, { requestTimeout: options.timeout });
  return { a, b, sentByA, sentByB };
}

describe("IPCSocket", () => {
  test("correlates concurrent requests by id, in both directions", async () => {
    const { a, b } = pair();
    b.onRequest("double", async (n: number) => {
      await new Promise((r) => setTimeout(r, 10 - n));
      return n * 2;
    });
    a.onRequest("neg", (n: number) => -n);
    const results = await Promise.all([...Array(10).keys()].map((n) => a.request<number>("double", n)));
    assert.deepEqual(results, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.equal(await b.request("neg", 5), -5);
  });

  test("a handler may await a request back to its caller", async () => {
    const { a, b } = pair();
    a.onRequest("inner", (x: string) => `inner(${x})`);
    b.onRequest("outer", async (x: string, socket) => `outer(${await socket.request("inner", x)})`);
    assert.equal(await a.request("outer", "v"), "outer(inner(v))");
  });

  test("answers errors the way the original does", async () => {
    const { a, b, sentByB } = pair();
    b.onRequest("boom", () => {
      throw new Error("kaput");
    });
    b.onRequest("nothing", () => undefined);
    assert.equal((await rejection(a.request("boom"))).message, "kaput");
    assert.equal((await rejection(a.request("missing"))).message, "No handler for: missing");
    assert.equal(await a.request("nothing"), undefined);
    assert.deepEqual(sentByB, [
      's:1:boom:{"success":false,"error":"kaput"}',
      's:2:missing:{"success":false,"error":"No handler for: missing"}',
      's:3:nothing:{"success":true}',
    ]);
  });

  test("times out with the original message and a stable code", async () => {
    const { a, b } = pair();
    b.onRequest("slow", () => new Promise(() => {}));
    // The request timer is unref'd on purpose: hold the event loop open while we wait for it.
    const hold = setTimeout(() => {}, 5000);
    const error = await rejection(a.request("slow", undefined, 30));
    clearTimeout(hold);
    assert.equal(error.message, "Request 'slow' timed out after 30ms");
    assert.equal(error.code, "ERR_IPC_TIMEOUT");
    assert.equal(a.pendingCount, 0);
  });

  test("rejects every pending request at once when the connection closes", async () => {
    const { a, b } = pair();
    b.onRequest("slow", () => new Promise(() => {}));
    const pending = [a.request("slow"), a.request("slow")];
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    a.handleClose(1006);
    for (const p of pending) assert.equal((await rejection(p)).code, "ERR_IPC_CLOSED");
    assert.ok(Date.now() - started < 1000);
    assert.equal((await rejection(a.request("slow"))).code, "ERR_IPC_NOT_CONNECTED");
    assert.throws(() => a.send("x"), { code: "ERR_IPC_NOT_CONNECTED" });
  });

  test("fire-and-forget messages go both ways and never answer", async () => {
    const { a, b, sentByB } = pair();
    const gotB: unknown[] = [];
    const gotA: unknown[] = [];
    b.onMessage("note", (d) => void gotB.push(d));
    a.onMessage("note", (d) => void gotA.push(d));
    a.send("note", { n: 1 });
    b.send("note", "back");
    a.send("unhandled", 1);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(gotB, [{ n: 1 }]);
    assert.deepEqual(gotA, ["back"]);
    assert.deepEqual(sentByB, ['m::note:"back"']);
  });

  test("bad input is dropped or answered, never thrown", async () => {
    const { a, b, sentByB } = pair();
    b.onRequest("echo", (d) => d);
    for (const junk of ["", "garbage", "s:999:echo:{}", "s:1:x:not json", "m::echo:{bad", "q:1:a:b"]) b.receive(junk);
    b.receive("r:5:echo:{bad json");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(sentByB.length, 1);
    assert.match(sentByB[0]!, /^s:5:echo:\{"success":false,"error":"Invalid JSON in request 'echo': /);
    assert.deepEqual(await a.request("echo", { still: "works" }), { still: "works" });
  });

  test("a dropped frame's log line shows it, and says so when it was empty", () => {
    const lines: string[] = [];
    const logger = { warn: (...parts: unknown[]) => void lines.push(parts.join(" ")) };
    const socket = new IPCSocket({ send: () => {}, close: () => {} }, { logger });
    socket.receive("garbage");
    socket.receive("");
    assert.deepEqual(lines, ["[crossipc] Invalid IPC frame dropped: garbage", "[crossipc] Invalid IPC frame dropped: (an empty frame)"]);
  });

  test("a result that cannot be serialised is answered as an error", async () => {
    const { a, b } = pair();
    b.onRequest("big", () => 10n);
    assert.match((await rejection(a.request("big"))).message, /not JSON-serialisable/);
  });

  test("pending timers do not keep the process alive", async () => {
    const { execFileSync } = await import("node:child_process");
    const script = `
      import { IPCSocket } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).pathname)};
      const s = new IPCSocket({ send() {}, close() {} });
      s.request("never", 1, 60000).catch(() => {});
    `;
    const started = Date.now();
    execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { timeout: 20000 });
    assert.ok(Date.now() - started < 15000, "the process exited on its own");
  });
});
