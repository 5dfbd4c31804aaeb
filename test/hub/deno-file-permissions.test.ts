/**
 * `crossipc hub --replay FILE` / `--record FILE` under Deno, in a terminal (a pty from `script`),
 * as a person runs it with the network permissions the README gives: a file permission not
 * granted ends the command with exit 2 and the flag to add, before binding. It used to make Deno
 * prompt ("Deno requests read access to …"), and a hub waiting on a prompt serves nobody; granted
 * only the file itself, `--record` asked again for the partial file written beside it (a name
 * with the process id, which no flag can name ahead) and left that file behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../matrix/_spawn.ts";
import { freePort } from "../fixtures/_freePort.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
const ENTRY = `${ROOT}dist/bin/crossipc.js`;
/** Long enough for Deno to start on a loaded machine; a prompt waits for ever, so it ends here. */
const HANG_MS = 30_000;

const HAR = {
  log: {
    version: "1.2",
    creator: { name: "test", version: "1" },
    entries: [
      {
        startedDateTime: "2026-01-01T00:00:00.000Z",
        time: 1,
        request: { method: "GET", url: "http://x/rec/a", httpVersion: "HTTP/1.1", headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: {
          status: 201,
          statusText: "Created",
          httpVersion: "HTTP/1.1",
          headers: [{ name: "content-type", value: "text/plain" }],
          cookies: [],
          content: { size: 8, mimeType: "text/plain", text: "recorded" },
          redirectURL: "",
          headersSize: -1,
          bodySize: 8,
        },
        cache: {},
        timings: { send: 0, wait: 1, receive: 0 },
      },
    ],
  },
};

interface Terminal {
  output(): string;
  /** Types into the terminal (Ctrl-C is "\x03"). */
  type(keys: string): void;
  exited: Promise<number | string>;
}

/** `deno run <permissions> crossipc.js hub <args>` in a pty of its own, with colours on (no NO_COLOR). */
function inTerminal(cwd: string, permissions: string[], args: string[]): Terminal {
  // `exec`: Deno alone in the terminal's foreground, as a shell's job is. A shell left waiting
  // got the Ctrl-C too and could die of it (exit 130) while Deno was still stopping cleanly.
  const command = "exec " + [DENO, "run", ...permissions, ENTRY, "hub", ...args].map((word) => `'${word}'`).join(" ");
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", DENO_NO_UPDATE_CHECK: "1" };
  delete env.NO_COLOR;
  const proc = spawn("script", ["-qec", command, "/dev/null"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const timer = setTimeout(() => proc.kill("SIGKILL"), HANG_MS);
  const exited = new Promise<number | string>((resolve) =>
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? "?");
    }),
  );
  return { output: () => output, type: (keys) => proc.stdin.write(keys), exited };
}

async function until(check: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + HANG_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


function folder(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-deno-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "session.har"), JSON.stringify(HAR));
  return dir;
}

test("deno: --replay FILE without --allow-read exits 2 naming --allow-read=FILE, and Deno does not prompt", async (t) => {
  const dir = folder(t);
  const hub = inTerminal(dir, ["--allow-net", "--allow-env"], ["--port", String(await freePort()), "--replay", "session.har"]);
  assert.equal(await hub.exited, 2, hub.output());
  assert.doesNotMatch(hub.output(), /Deno requests|Allow\?/);
  assert.equal(hub.output().trim(), "crossipc hub: --replay session.har: Deno needs --allow-read=session.har to read it");
});

test("deno: --record FILE granted the file alone exits 2 naming its folder's flags, prompts for nothing and leaves no file", async (t) => {
  const dir = folder(t);
  const file = path.join(dir, "out.har");
  const hub = inTerminal(dir, ["--allow-net", "--allow-env", `--allow-read=${file}`, `--allow-write=${file}`], ["--port", String(await freePort()), "--record", file]);
  assert.equal(await hub.exited, 2, hub.output());
  assert.doesNotMatch(hub.output(), /Deno requests|Allow\?/);
  assert.equal(
    hub.output().trim(),
    `crossipc hub: --record ${file}: cannot write it: Deno needs --allow-read=${dir} --allow-write=${dir} (the recording is written beside it, then renamed into place)`,
  );
  assert.deepEqual(readdirSync(dir), ["session.har"]);
});

test("deno: with the flags it names, --replay answers and --record writes FILE on Ctrl-C (network to 127.0.0.1 only, no --allow-env)", async (t) => {
  const dir = folder(t);
  const port = await freePort();
  const hub = inTerminal(dir, ["--allow-net=127.0.0.1", "--allow-read=.", "--allow-write=."], ["--port", String(port), "--replay", "session.har", "--record", "out.har"]);
  await until(() => hub.output().includes("replaying 1 recorded request"), () => `the hub did not start: ${hub.output()}`);
  const answer = await fetch(`http://127.0.0.1:${port}/rec/a`);
  assert.equal(answer.status, 201);
  assert.equal(await answer.text(), "recorded");
  hub.type("\x03");
  assert.equal(await hub.exited, 0, hub.output());
  assert.doesNotMatch(hub.output(), /Deno requests|Allow\?|NotCapable/);
  assert.match(hub.output(), /crossipc hub: recorded 1 request to out\.har/);
  const recorded = JSON.parse(readFileSync(path.join(dir, "out.har"), "utf8"));
  assert.deepEqual(
    recorded.log.entries.map((entry: { request: { url: string }; response: { status: number } }) => [new URL(entry.request.url).pathname, entry.response.status]),
    [["/rec/a", 201]],
  );
  assert.deepEqual(readdirSync(dir).sort(), ["out.har", "session.har"]);
});
