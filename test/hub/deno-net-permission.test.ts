/**
 * Deno granted the network for another address than crossipc is asked to use, in a terminal (a
 * pty from `script`, where Deno prompts for a permission it lacks): `IPCServer.start()`,
 * `IPCClient.connect()` and `crossipc hub` used to put up Deno's prompt, which blocks the whole
 * process — `start()` never settled, `connect()` waited past its connect timeout for ever, the
 * hub served nobody; `crossipc status`, `journal` and `fault` waited on it for good. Without a
 * terminal the same code failed at once (Deno's NotCapable). They now ask first
 * (`Deno.permissions.querySync`, which never prompts) and fail naming the flag.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { ROOT } from "../matrix/_spawn.ts";
import { freePort } from "../fixtures/_freePort.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
/** Long enough for Deno to start on a loaded machine; a prompt waits for ever, so it ends here. */
const HANG_MS = 30_000;

/** `deno run <args>` alone in a pty of its own, colours on (no NO_COLOR): its exit and everything the terminal showed. */
function inTerminal(args: string[]): Promise<{ exit: number | string; output: string }> {
  const command = "exec " + [DENO, "run", ...args].map((word) => `'${word}'`).join(" ");
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", DENO_NO_UPDATE_CHECK: "1" };
  delete env.NO_COLOR;
  const proc = spawn("script", ["-qec", command, "/dev/null"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const timer = setTimeout(() => proc.kill("SIGKILL"), HANG_MS);
  return new Promise((resolve) =>
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: code ?? signal ?? "?", output: output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "") });
    }),
  );
}

test("deno granted another port: start() and connect() reject naming --allow-net, and Deno does not prompt", async () => {
  const [granted, other] = [await freePort(), await freePort()];
  const { exit, output } = await inTerminal([`--allow-net=127.0.0.1:${granted}`, "test/fixtures/deno-net-denied.mjs", String(other)]);
  assert.doesNotMatch(output, /Deno requests|Allow\?/);
  assert.equal(exit, 0, output);
  const line = output.split("\n").find((l) => l.startsWith("{"));
  assert.ok(line, output);
  assert.deepEqual(JSON.parse(line), {
    start: { code: null, message: "Deno has no net permission to listen on 127.0.0.1:0: run with --allow-net=127.0.0.1 (crossipc never lets Deno prompt)" },
    connect: {
      code: "ERR_IPC_CONNECT",
      message: `Cannot connect to IPC server at ws://127.0.0.1:${other}: Deno has no net permission for 127.0.0.1:${other}: run with --allow-net=127.0.0.1:${other} (crossipc never lets Deno prompt)`,
    },
  });
});

test("deno: crossipc hub --port P granted another port exits 1 naming --allow-net=127.0.0.1:P, and Deno does not prompt", async () => {
  const [granted, port] = [await freePort(), await freePort()];
  const { exit, output } = await inTerminal([`--allow-net=127.0.0.1:${granted}`, "dist/bin/crossipc.js", "hub", "--port", String(port)]);
  assert.doesNotMatch(output, /Deno requests|Allow\?/);
  assert.equal(exit, 1, output);
  assert.equal(
    output.trim(),
    `crossipc hub: cannot listen on 127.0.0.1:${port}: Deno has no net permission to listen on 127.0.0.1:${port}: run with --allow-net=127.0.0.1:${port} (crossipc never lets Deno prompt)`,
  );
});

test("deno: crossipc status, journal and fault granted another port exit 1 naming --allow-net=127.0.0.1:P, and Deno does not prompt", async () => {
  const [granted, port] = [await freePort(), await freePort()];
  for (const command of [["status"], ["journal"], ["fault", "--list"]]) {
    const { exit, output } = await inTerminal([`--allow-net=127.0.0.1:${granted}`, "dist/bin/crossipc.js", ...command, "--port", String(port)]);
    assert.doesNotMatch(output, /Deno requests|Allow\?/, command[0]);
    assert.equal(exit, 1, output);
    assert.equal(
      output.trim(),
      `crossipc ${command[0]}: Deno may not reach the hub at http://127.0.0.1:${port}: run with --allow-net=127.0.0.1:${port} (crossipc never lets Deno prompt)`,
    );
  }
});
