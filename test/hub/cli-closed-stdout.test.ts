/**
 * `crossipc journal --har | head`: a reader that stops reading before the HAR ends. The built CLI
 * under node, bun and deno must end quietly with 0, as Unix tools do. It used to die with an
 * EPIPE stack trace and exit 1 (Node), "Uncaught Error: write EPIPE" (Deno), or keep a Bun
 * process busy on a core until it was killed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { ServiceHub } from "../../adapters/node.ts";
import { ROOT, type Runtime } from "../matrix/_spawn.ts";
import { cliCommand } from "./_cli.ts";

/** Far more than a pipe holds (64 KiB on Linux), so the CLI is still writing when the reader goes. */
const REQUESTS = 40;
const BODY = "x".repeat(16 * 1024);
/** A CLI still running after this many seconds is hung (Bun was, at full CPU). */
const HUNG_S = 20;

const command = (runtime: Runtime) => cliCommand(runtime, ["--allow-net=127.0.0.1"]);

const hub = new ServiceHub(0, { dashboard: true, journal: { bodies: true, size: REQUESTS } });
await hub.start();
hub.server.interceptHttp("POST", "/echo", (body) => body);
for (let i = 0; i < REQUESTS; i++) {
  await (await fetch(`${hub.getUrl()}/echo`, { method: "POST", headers: { "content-type": "text/plain" }, body: BODY })).text();
}

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  test(`${runtime}: crossipc journal --har piped to head -c 100 exits 0 when head leaves and prints nothing on stderr`, async () => {
    const [cmd, argv] = command(runtime);
    // A real pipe to `head -c`, which reads the beginning and goes; the CLI's own exit code is kept
    // (137 when `timeout` had to kill it).
    const child = spawn("bash", ["-c", 'timeout -s KILL "$0" "$@" | head -c 100 >/dev/null; exit "${PIPESTATUS[0]}"', String(HUNG_S), cmd, ...argv, "journal", "--port", String(hub.getPort()), "--har"], {
      cwd: ROOT,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", CROSSIPC_HUB_PORT: "", CROSSIPC_ACCESS_TOKEN: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | string>((resolve) => child.on("exit", (exitCode, signal) => resolve(exitCode ?? signal ?? "?")));
    assert.equal(code, 0, `exit ${code}; stderr:\n${stderr}`);
    assert.equal(stderr, "");
  });
}

test("teardown", async () => {
  await hub.teardown();
});
