/**
 * `deno run --allow-net=127.0.0.1:<port> crossipc.js hub --port <port>`: the least a user may
 * grant a hub. Deno.serve behind the TCP front needs a loopback port of its own, so the hub
 * serves without the front; it used to do so silently (a `reset` fault then answered a 200 head,
 * and none of the front's bounds held). It now says so once on stderr; with `--allow-net=127.0.0.1`
 * it has its front and says nothing.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { ROOT } from "../matrix/_spawn.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
const ENTRY = "dist/bin/crossipc.js";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the hub with `net`, waits for it to answer, stops it with SIGINT; resolves with its stderr. */
async function hubStderr(net: (port: number) => string): Promise<string> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  delete env.NO_COLOR;
  const child = spawn(DENO, ["run", net(port), ENTRY, "hub", "--port", String(port)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  try {
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("dashboard:")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the hub did not start: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const state = await fetch(`http://127.0.0.1:${port}/__crossipc/api/state`);
    assert.equal(state.status, 200);
    await state.body?.cancel();
    child.kill("SIGINT");
    assert.equal(await exited, 0, stderr);
    return stderr;
  } finally {
    child.kill("SIGKILL");
  }
}

test("deno hub granted its own port alone serves without its front and says so in one warn line", async () => {
  const stderr = await hubStderr((port) => `--allow-net=127.0.0.1:${port}`);
  const lines = stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^warn: \[crossipc\] Serving without the TCP front: Deno may not dial 127\.0\.0\.1 on any port \(--allow-net=127\.0\.0\.1 grants it\)\. A reset fault/);
});

test("deno hub granted 127.0.0.1 has its front and prints nothing on stderr", async () => {
  assert.equal(await hubStderr(() => "--allow-net=127.0.0.1"), "");
});
