/**
 * The body budget (`maxMockBodyBytes`) must come back whole after every way a request can leave
 * the rules: a leak on any path, repeated, would leave every mocked POST answering 503 for the
 * hub's life. A hub under Node, Bun and Deno (test/fixtures/budget-hub.ts: 2 MiB budget, bodies
 * up to ~1.45 MiB each, proxyTimeout 5 s) is driven down each path a few times, and then must
 * still take two bodies held at once that together come to 16 bytes short of the budget.
 * (The client-abort paths differ per runtime: how each tells a request's body that its client left.)
 * A client that stops sending mid-body, its connection open, held its bytes as long as it stayed
 * (a minute and more on every runtime): its body is now dropped after proxyTimeout without a byte.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { connectMocks, passthrough } from "../../adapters/node.ts";
import { postRecording } from "../fixtures/_postRecording.ts";
import { RUNTIMES, start, stopHub, waitExit } from "../matrix/_spawn.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const BUDGET = 2 * MiB;
const HELD = "h".repeat(MiB);
const REPEATS = 3;
const PROXY_TIMEOUT_MS = 5000;

for (const [runtime, journalBodies] of RUNTIMES.flatMap((runtime) => [[runtime, false], [runtime, true]] as const)) {
  const how = journalBodies ? ", its journal recording bodies" : "";
  test(`${runtime} hub${how}: the body budget is whole after every path a body can take`, { timeout: 120_000 }, async (t) => {
    // proxyTimeout 5 s, not the fixture's 1.5 s: a held relay that times out gives its body back,
    // and under load 1.5 s passed before the 503 it was holding the budget for was checked.
    const hub = start(runtime, "test/fixtures/budget-hub.ts", ["--proxy-timeout", String(PROXY_TIMEOUT_MS), ...(journalBodies ? ["--journal-bodies"] : [])]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    const mocks = await connectMocks(port);
    t.after(() => mocks.close());

    const gates: Array<() => void> = [];
    let called = 0;
    const gated = () => new Promise<void>((resolve) => gates.push(resolve));
    const openGates = () => gates.splice(0).forEach((open) => open());
    await mocks.intercept("POST", "/hold", async (body: string) => (called++, await gated(), { length: body.length }));
    await mocks.intercept("POST", "/echo", (body: string) => ({ length: body.length }));
    await mocks.intercept("*", "/any", (body: string | undefined) => ({ length: body?.length ?? 0 }));
    await mocks.intercept("POST", "/pass", () => passthrough());
    await mocks.intercept("POST", "/throw", () => {
      throw new Error("handler failed");
    });
    await mocks.intercept("POST", "/never", () => (called++, new Promise(() => {})));
    // Scoped and unscoped rules both match: the scoped one passes, the unscoped one answers.
    const scope = mocks.scope();
    await scope.intercept("POST", "/both", () => passthrough());
    await mocks.intercept("POST", "/both", (body: string) => ({ length: body.length }));
    // A replay of the scope and a mock rule both match: the replay answers its recording, a miss goes on to the mock.
    await scope.replay(postRecording("/replayed", "order 42", "replayed"));
    await mocks.intercept("POST", "/replayed", (body: string) => ({ length: body.length }));

    const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
      const response = await fetch(url + path, { method: "POST", headers: { "content-type": "text/plain", ...headers }, body });
      return { status: response.status, text: await response.text() };
    };
    const expect = async (path: string, body: string, status: number, headers?: Record<string, string>) => {
      const answer = await post(path, body, headers);
      assert.equal(answer.status, status, `${path}: ${answer.text}`);
      return answer;
    };

    /** Two bodies held at once, 16 bytes short of the budget together, are both taken; retried while relays still end. */
    const whole = async (after: string) => {
      const deadline = Date.now() + PROXY_TIMEOUT_MS + 8000;
      for (;;) {
        const before = called;
        let refused = false;
        const holding = post("/hold", HELD).then((answer) => ((refused = answer.status !== 200), answer));
        await until(() => called > before || refused, "the held body to reach its handler");
        const second = refused ? await holding : await post("/echo", "e".repeat(BUDGET - HELD.length - 16));
        openGates();
        assert.equal((await holding).status, refused ? 503 : 200);
        if (second.status === 200) return;
        if (Date.now() > deadline) assert.fail(`after ${after}, the budget never came back whole: ${second.status} ${second.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    await whole("nothing");
    for (let i = 0; i < REPEATS; i++) {
      await expect("/echo", HELD, 200);
      await expect("/pass", HELD, 404);
      await expect("/throw", HELD, 500);
      await expect("/both", HELD, 200, scope.headers);
      await expect("/replayed", "order 42", 200, scope.headers);
      await expect("/replayed", HELD, 200, scope.headers);
      await expect("/hub-replayed", "order 42", 200);
      await expect("/hub-replayed", HELD, 404);
      // Over one body's limit: 413.
      await expect("/echo", "o".repeat(1.5 * MiB), 413);
      // Refused by the budget while another body is held: 503.
      const holding = post("/hold", HELD);
      await until(() => gates.length > 0, "the held body to reach its handler");
      await expect("/echo", "b".repeat(1.2 * MiB), 503);
      await expect("/replayed", "b".repeat(1.2 * MiB), 503, scope.headers);
      openGates();
      assert.equal((await holding).status, 200);
      // A GET with a body is not read (nor held).
      assert.match(await raw(port, "GET", "/any", HELD.length, HELD, "answer"), /^HTTP\/1\.1 200/);
    }
    await whole("answers, passthrough, a throwing handler, both scoped and unscoped, replays, 413 and 503");

    for (let i = 0; i < REPEATS; i++) await expect("/never", HELD, 504);
    await whole("proxyTimeout");

    // The client leaves mid-body, after the body while the relay waits, and mid-body on a rule that answers at once.
    for (let i = 0; i < REPEATS; i++) {
      await raw(port, "POST", "/echo", HELD.length, HELD.slice(0, HELD.length / 2), "leave");
      const before = called;
      await raw(port, "POST", "/never", HELD.length, HELD, "leave", () => called > before);
      // That relay gives its body back as its client leaves (mock-body-budget-leave.test.ts).
      await whole("clients that left mid-body and mid-relay");
    }

    // Clients that send half a body and then nothing, their connections left open: dropped after
    // proxyTimeout (408), their bytes given back (they held them as long as they stayed, before).
    const stalled = await Promise.all([0, 1, 2].map(() => stall(port, "/echo", HELD.length, HELD.slice(0, HELD.length / 2))));
    await whole("clients that stopped sending mid-body, still connected");
    for (const { socket, received } of stalled) {
      if (received()) assert.match(received(), new RegExp(String.raw`^HTTP/1\.1 408 [^]*sent none of the request body's next bytes for ${PROXY_TIMEOUT_MS}ms \(proxyTimeout\)`));
      socket.destroy();
    }

    // Rules removed, a scope closed, the mock's process SIGKILLed, while a relay holds a body.
    for (let i = 0; i < REPEATS; i++) {
      const removable = await mocks.intercept("POST", "/removable", async (body: string) => (await gated(), { length: body.length }));
      const first = post("/removable", HELD);
      await until(() => gates.length > 0, "the relay to reach its handler");
      await removable.remove();
      openGates();
      await first;
      const closing = mocks.scope();
      await closing.intercept("POST", "/closing", async (body: string) => (await gated(), { length: body.length }));
      const second = post("/closing", HELD, closing.headers);
      await until(() => gates.length > 0, "the relay to reach its handler");
      await closing.close();
      openGates();
      await second;
      const holder = start("node", "test/fixtures/budget-holder.ts", ["--port", String(port)]);
      await holder.nextJson(60_000, "ready");
      const killed = post("/killed", HELD);
      await holder.nextJson(10_000, "the call");
      holder.proc.kill("SIGKILL");
      assert.equal((await killed).status, 502);
      await waitExit(holder, 10_000, "exit");
    }
    await whole("rules removed, a scope closed and a mock's process killed mid-relay");

    await mocks.close();
    assert.deepEqual(await stopHub(hub), []);
  });
}

/**
 * A request written by hand: `declared` bytes of body announced, `sent` sent; then `answer` reads the
 * answer, `leave` closes the connection (once `ready` holds, if given).
 */
async function raw(port: number, method: string, path: string, declared: number, sent: string, then: "answer" | "leave", ready?: () => boolean): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString("latin1")));
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.write(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: ${declared}\r\nconnection: close\r\n\r\n`);
  socket.write(sent);
  if (then === "answer") {
    await ended;
    return received;
  }
  // Let the hub read what was sent (and reserve it) before leaving.
  if (ready) await until(ready, "the relay to reach its handler").catch((e) => { throw new Error(`${e.message}: ${received}`); });
  else await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
  await ended;
  return received;
}

/** A request whose client sends `sent` of the `declared` bytes of its body and then nothing, connection open. */
async function stall(port: number, path: string, declared: number, sent: string): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString("latin1")));
  socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: ${declared}\r\n\r\n`);
  await new Promise<void>((resolve) => socket.write(sent, () => resolve()));
  return { socket, received: () => received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
