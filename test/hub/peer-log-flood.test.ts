/**
 * A framework client cannot flood the hub's log: binary frames, invalid frames and requests whose
 * handler throws were each one `warn:` line on `crossipc hub`'s stderr (10,000 frames, 10,000
 * lines). Now each kind is said at most 10 times a second, and one line at the end of each second
 * counts those left out, so every frame is still accounted for. In-process with a logger, and
 * the built CLI under Node.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH, IPCServer } from "../../adapters/node.ts";
import { startJsonHub } from "./_cli.ts";

const FRAMES = 10_000;
/** What each kind's lines start with, and the phrase its count line uses. */
const KINDS = [
  { line: /Binary frame ignored/, count: "binary frames ignored" },
  { line: /Invalid IPC frame dropped/, count: "invalid frames dropped" },
  { line: /Request handler for '__crossipc\/mocks\/add' threw/, count: "request handler errors" },
];

/** Sends `FRAMES` frames, a third of each kind, and waits until the hub has answered them all. */
async function flood(port: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=flooder`);
  await once(ws, "open");
  let answers = 0;
  ws.on("message", () => answers++);
  let requests = 0;
  for (let i = 0; i < FRAMES; i++) {
    if (i % 3 === 0) ws.send(Buffer.from("binary"));
    else if (i % 3 === 1) ws.send("not an IPC frame");
    else ws.send(`r:${requests++}:__crossipc/mocks/add:${JSON.stringify({ kind: "nonsense" })}`);
  }
  // Frames on one connection are handled in order: the last answer comes after every frame was seen.
  while (answers < requests) await once(ws, "message");
  ws.close();
  await once(ws, "close");
}

/** Each kind's lines plus the counts of those left out make all its frames; the lines are few. */
function assertBounded(lines: string[], seconds: number): void {
  const shown = lines.join("\n");
  for (const [index, kind] of KINDS.entries()) {
    const frames = Math.floor(FRAMES / 3) + (index < FRAMES % 3 ? 1 : 0);
    const said = lines.filter((line) => kind.line.test(line)).length;
    const counted = new RegExp(`(\\d+) more ${kind.count} in that second, not shown \\(at most 10 a second\\)$`);
    const counts = lines.map((line) => Number(counted.exec(line)?.[1] ?? 0));
    const unsaid = counts.reduce((a, b) => a + b, 0);
    assert.ok(unsaid > 0, `${kind.count}: no count line in\n${shown.slice(-2000)}`);
    assert.equal(said + unsaid, frames, `${kind.count}: ${said} said, ${unsaid} counted`);
    // 10 lines and one count a second.
    assert.ok(said + counts.filter(Boolean).length <= 11 * seconds, `${kind.count}: ${said} lines in ${seconds} s`);
  }
}

test("a framework client's 10,000 binary, invalid and throwing frames: a few lines a second per kind, the rest counted", async (t) => {
  const lines: string[] = [];
  const server = new IPCServer(0, { logger: { warn: (message: string) => lines.push(message) } });
  assert.equal(await server.start(), true);
  t.after(() => server.teardown());
  const started = Date.now();
  await flood(server.getPort());
  const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
  // The count of the last second is said when it ends, also with no frame after it.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assertBounded(lines, seconds);
});

test("crossipc hub (built, node): the same flood leaves a few stderr lines that say what was left out", async (t) => {
  const { hub, port, stderr } = await startJsonHub(t, "node", []);
  const started = Date.now();
  await flood(port);
  const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  hub.kill("SIGINT");
  await once(hub, "exit");
  const lines = stderr().split("\n").filter(Boolean);
  for (const line of lines) assert.match(line, /^warn: \[crossipc\] /);
  assertBounded(lines, seconds);
});
