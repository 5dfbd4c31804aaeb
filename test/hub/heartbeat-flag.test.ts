/**
 * `crossipc hub --heartbeat S`: how long a client may take to answer the hub's ping. A test
 * process that blocks (sync work, a debugger) needs more than the default 5 s; a bad value exits
 * 2 with a clear line.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { INTERNAL_SOCKET_PATH } from "../../src/protocol.ts";
import { ROOT } from "../matrix/_spawn.ts";
import { freePort } from "../fixtures/_freePort.ts";
import { openSlowPongPeer } from "../fixtures/_slowPongPeer.ts";

const ENTRY = "dist/bin/crossipc.js";

/** `crossipc hub` under Node, resolved once it says it listens. */
async function startHub(t: { after(fn: () => unknown): void }, args: string[]): Promise<number> {
  const port = await freePort();
  const proc = spawn(process.execPath, [ENTRY, "hub", "--port", String(port), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => proc.kill("SIGKILL"));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes(`listening on http://127.0.0.1:${port}`)) resolve();
    });
    proc.on("exit", (code) => reject(new Error(`hub exited ${code} before listening: ${out}`)));
  });
  return port;
}

test("--heartbeat 1 drops a client that answers pings 2.5 s late", { timeout: 30_000 }, async (t) => {
  const port = await startHub(t, ["--heartbeat", "1"]);
  const peer = await openSlowPongPeer(port, `${INTERNAL_SOCKET_PATH}?runtimeId=late`, 2500);
  t.after(() => peer.destroy());
  await peer.closed; // the test's own timeout fails it if the hub keeps the peer
});

test("--heartbeat 4 keeps the same client through three pings", { timeout: 40_000 }, async (t) => {
  const port = await startHub(t, ["--heartbeat", "4"]);
  const peer = await openSlowPongPeer(port, `${INTERNAL_SOCKET_PATH}?runtimeId=late`, 2500);
  t.after(() => peer.destroy());
  await peer.ping(3);
});

test("a bad --heartbeat exits 2 with a clear line", async () => {
  for (const [value, message] of [
    ["0", /--heartbeat must be a positive whole number, got '0'/],
    ["soon", /--heartbeat must be a positive whole number/],
    // Bun's WebSocket takes at most 960 s: a Bun hub given more failed to start ("websocket expects idleTimeout to be 960 or less").
    ["961", /--heartbeat must be at most 960 seconds, got '961'/],
  ] as Array<[string, RegExp]>) {
    const proc = spawn(process.execPath, [ENTRY, "hub", "--heartbeat", value], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await once(proc, "exit")) as [number | null];
    assert.equal(code, 2, `--heartbeat ${value}`);
    assert.match(stderr, message);
  }
});
