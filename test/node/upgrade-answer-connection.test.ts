/**
 * A WebSocket proxied to a `Deno.serve` backend through a hub in each runtime reaches Node's own
 * WebSocket (undici). The hub asks the backend for `Connection: Upgrade, close` (see
 * UPGRADE_CONNECTION), and hyper answers that request's `101` with a second `connection: close`
 * line; undici fails a `101` whose `Connection` is not exactly `upgrade` ("Server did not set
 * Connection header to \"upgrade\""), so a Node client could not open a socket to any Deno
 * service behind the hub (found by a vitest test through `crossipc hub`). The hub now takes that
 * `close` out of a `101` again; a refusal still goes to the client as the backend sent it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { UpgradeAnswer } from "../../adapters/_upgrade-pipe.ts";
import { RUNTIMES, start, type Child } from "../matrix/_spawn.ts";

const DENO_BACKEND = ["--allow-net=127.0.0.1"];

async function stop(child: Child): Promise<void> {
  child.proc.stdin.end();
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), 10_000);
  await child.exited;
  clearTimeout(timer);
}

/** The answer's head and the bytes after it, to a raw upgrade request as undici sends it. */
function rawUpgrade(port: number, path: string): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: upgrade\r\nupgrade: websocket\r\n` +
          "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\nsec-fetch-mode: websocket\r\n\r\n",
      );
    });
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole answer and first frame; got ${JSON.stringify(got.toString("latin1"))}`));
    }, 10_000);
    socket.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf("\r\n\r\n");
      // The head, then the backend's greeting frame (2 bytes of header, then its text).
      if (end === -1 || got.length < end + 6 || got.length < end + 6 + got[end + 5]!) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ head: got.subarray(0, end).toString("latin1"), rest: got.subarray(end + 4) });
    });
    socket.on("error", reject);
  });
}

/** What Node's own WebSocket gets from `url`: its first message, or the error it failed with. */
function nodeWebSocket(url: string): Promise<string> {
  const flag = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-websocket"] : [];
  const script = `const ws = new WebSocket(${JSON.stringify(url)});
ws.onmessage = (e) => { console.log("message: " + e.data); ws.close(); };
ws.onerror = (e) => { console.log("error: " + e.message); process.exit(0); };`;
  const child = spawn(process.execPath, [...flag, "--no-warnings", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise((resolve) => child.on("exit", () => {
    clearTimeout(timer);
    resolve(out.trim());
  }));
}

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a Deno backend's 101 reaches the client with Connection: upgrade alone, and Node's WebSocket opens`, { timeout: 60_000 }, async (t) => {
    const backend = start("deno", "test/fixtures/deno-ws-backend.ts", [], { denoPermissions: DENO_BACKEND });
    t.after(() => stop(backend));
    const { url } = await backend.nextJson<{ url: string }>(30_000, "the backend's URL");
    const hub = start(runtime, "test/fixtures/server.ts", ["--backend", url]);
    t.after(() => stop(hub));
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the hub's port");

    const { head, rest } = await rawUpgrade(port, "/backend/ws");
    const lines = head.split("\r\n");
    assert.match(lines[0]!, /^HTTP\/1\.1 101 /);
    const connection = lines.filter((line) => /^connection:/i.test(line)).map((line) => line.slice(line.indexOf(":") + 1).trim());
    assert.deepEqual(connection.map((value) => value.toLowerCase()), ["upgrade"], `the 101's Connection lines: ${JSON.stringify(lines)}`);
    assert.equal(rest.subarray(2, 2 + rest[1]!).toString(), "hello from deno", "the backend's first frame follows the head intact");

    assert.equal(await nodeWebSocket(`ws://127.0.0.1:${port}/backend/ws`), "message: hello from deno");
  });
}

test("UpgradeAnswer: a 101 split across reads loses only the close token; a refusal and later bytes pass as sent", () => {
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
  const switching = Buffer.from("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade, close\r\nconnection: close\r\nUpgrade: websocket\r\n\r\n\x81\x02hi", "latin1");
  const answer = new UpgradeAnswer();
  let out = "";
  for (const byte of switching) out += text(answer.take(Uint8Array.of(byte)));
  assert.equal(out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x02hi");
  assert.equal(answer.done, true);
  const frame = Uint8Array.of(0x81, 0x01, 0x63);
  assert.equal(answer.take(frame), frame, "after the head: the same bytes, not a copy");

  const refusal = Buffer.from("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
  assert.equal(text(new UpgradeAnswer().take(refusal)), text(refusal));
});

test("UpgradeAnswer: a 101 head past 16 KiB goes on untouched however it is read; one split at every byte is looked through once", () => {
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
  // The bound keeps the head's decoding small (a spread of a long head overflowed V8's stack: 130 000 bytes threw RangeError).
  const long = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nx-pad: ${"a".repeat(20_000)}\r\nconnection: close\r\n\r\n\x81\x00`, "latin1");
  assert.equal(text(new UpgradeAnswer().take(long)), text(long), "in one read");
  const inTwo = new UpgradeAnswer();
  assert.equal(text(inTwo.take(long.subarray(0, 1000))) + text(inTwo.take(long.subarray(1000))), text(long), "in two reads");

  // A CR that starts no blank line ("\r\r\n\r\n") and a blank line split at each of its bytes.
  const odd = Buffer.from("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nconnection: close\r\r\n\r\n\x81\x00", "latin1");
  const bytewise = new UpgradeAnswer();
  let out = "";
  for (const byte of odd) out += text(bytewise.take(Uint8Array.of(byte)));
  assert.equal(out, text(new UpgradeAnswer().take(odd)));
});
