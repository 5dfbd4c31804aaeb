/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client that chooses
 * long texts: request names no handler takes, and rule specs whose refusal quotes what was sent.
 * (A handler's long error in the journal: test/node/journal.test.ts.)
 * The journal bounded its entries, not their size (20 requests named with 20 MB each held 600 MiB
 * after their connection closed; 1,000 would hold 64 GB), and each refusal was a log line as long
 * as the request (3 messages of 20 MB: 60 MB on the hub's stderr).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { ROOT, RUNTIMES } from "../matrix/_spawn.ts";
import { cliCommand } from "./_cli.ts";

const LONG = 2_000_000;
/** What an excerpt may add to its 1,024 characters: "… (2000000 characters)". */
const MAX_KEPT = 1024 + 40;

for (const runtime of RUNTIMES) {
  test(`${runtime}: a framework client's long request names and quoted values reach the journal and the log cut to their beginning`, async (t) => {
    const [file, prefix] = cliCommand(runtime, ["--allow-net=127.0.0.1"]);
    const hub = spawn(file, [...prefix, "hub", "--port", "0", "--json"], { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    t.after(() => hub.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    hub.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    hub.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    while (!stdout.includes("\n")) await once(hub.stdout, "data");
    const { port } = JSON.parse(stdout.split("\n")[0]!) as { port: number };

    const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=long-texts`);
    await once(ws, "open");
    const answers: boolean[] = [];
    ws.on("message", (data) => answers.push(String(data).includes('"success":false')));
    for (let i = 0; i < 3; i++) ws.send(`r:${i}:${String.fromCharCode(97 + i).repeat(LONG)}:{}`);
    for (let i = 3; i < 6; i++) ws.send(`r:${i}:__crossipc/mocks/add:${JSON.stringify({ kind: String.fromCharCode(97 + i).repeat(LONG) })}`);
    while (answers.length < 6) await once(ws, "message");
    assert.deepEqual(answers, [false, false, false, false, false, false].map(() => true), "each is refused");
    ws.close();
    await once(ws, "close");

    const journal = (await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/journal?kind=framework&client=long-texts`)).json()) as { entries: Array<{ path: string; error?: string }> };
    // The names (the mocks protocol's own requests are not journaled).
    assert.equal(journal.entries.length, 3, JSON.stringify(journal.entries.map((entry) => entry.path.slice(0, 40))));
    for (const entry of journal.entries) {
      assert.ok(entry.path.length <= MAX_KEPT, `${runtime}: a journal path of ${entry.path.length} characters`);
      assert.ok((entry.error ?? "").length <= MAX_KEPT + 20, `${runtime}: a journal error of ${entry.error?.length} characters`);
    }
    assert.ok(journal.entries.some((entry) => entry.path.endsWith(`… (${LONG} characters)`)), `${runtime}: the journal says how long the name was`);

    // Each refusal of a rule is one warn line, the value it quotes cut to its beginning.
    const refusalLines = () => stderr.split("\n").slice(0, -1).filter((line) => line.includes("__crossipc/mocks/add"));
    for (const deadline = Date.now() + 5000; refusalLines().length < 3 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    const refusals = refusalLines();
    assert.equal(refusals.length, 3, `${runtime}: ${stderr.slice(0, 2000)}`);
    for (const line of stderr.split("\n")) assert.ok(line.length <= 3 * MAX_KEPT, `${runtime}: a log line of ${line.length} characters`);
    assert.ok(refusals.every((line) => /Unknown rule kind "([d-f])\1{59}…"/.test(line)), `${runtime}: ${refusals.map((line) => line.slice(0, 200)).join("\n")}`);
  });
}
