/**
 * `crossipc hub --record FILE` (the built CLI under Node, Bun and Deno, Deno with the README's
 * permissions) writes FILE readable by its owner alone: it holds request bodies, and with
 * `--no-redact` every credential as sent. It was written with the default umask (0644 under a
 * umask of 022, readable by every user of the machine). An existing FILE keeps the mode its owner
 * gave it, and the hub says at start when other users may read it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { RUNTIMES, type Runtime } from "../matrix/_spawn.ts";
import { cliCommand } from "./_cli.ts";

/** Records one request into `file` (under a umask of 022, as most machines have) and stops with SIGINT: what it printed on stderr. */
async function recordOnce(t: TestContext, runtime: Runtime, dir: string, file: string): Promise<string> {
  const [command, prefix] = cliCommand(runtime, ["--allow-net=127.0.0.1", `--allow-read=${dir}`, `--allow-write=${dir}`]);
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1", TERM: "xterm-256color" };
  delete env.NO_COLOR;
  const args = [...prefix, "hub", "--port", "0", "--json", "--record", file];
  const hub = spawn("sh", ["-c", 'umask 022 && exec "$0" "$@"', command, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => hub.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  hub.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  hub.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(hub, "exit");
  while (!stdout.includes("\n")) await Promise.race([once(hub.stdout, "data"), exited.then(() => assert.fail(`${runtime}: the hub ended: ${stderr}`))]);
  const { port } = JSON.parse(stdout.split("\n")[0]!) as { port: number };
  const answer = await fetch(`http://127.0.0.1:${port}/orders?password=s3cret`);
  assert.equal(answer.status, 404);
  await answer.text();
  hub.kill("SIGINT");
  const [code] = await exited;
  assert.equal(code, 0, stderr);
  assert.match(readFileSync(file, "utf8"), /\/orders\?password=\[redacted\]/, "the recording holds the request");
  return stderr;
}

function folder(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-record-mode-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

for (const runtime of RUNTIMES) {
  test(`${runtime}: --record writes a new FILE 0600 under a umask of 022, and keeps an existing FILE's mode (saying when others may read it)`, { timeout: 120_000 }, async (t) => {
    const dir = folder(t);
    const fresh = path.join(dir, "session.har");
    const said = await recordOnce(t, runtime, dir, fresh);
    assert.equal(modeOf(fresh), "600", "a new recording is its owner's alone");
    assert.doesNotMatch(said, /other users may read it/);
    // Written again (the next session into the same FILE): still 0600, nothing said.
    assert.doesNotMatch(await recordOnce(t, runtime, dir, fresh), /other users may read it/);
    assert.equal(modeOf(fresh), "600");

    // A FILE its owner made readable by a group: kept as chosen, and said once at start.
    const shared = path.join(dir, "shared.har");
    writeFileSync(shared, "old");
    chmodSync(shared, 0o640);
    const warned = await recordOnce(t, runtime, dir, shared);
    assert.equal(modeOf(shared), "640");
    assert.match(warned, /crossipc hub: --record .*shared\.har exists and other users may read it \(mode 0640\), and it will hold request bodies: kept as it is; chmod 600 it, or remove it first/);
    assert.deepEqual(readdirSync(dir).sort(), ["session.har", "shared.har"], "no partial file is left behind");
  });
}
