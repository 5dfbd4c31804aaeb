/**
 * What grest-ts's code needs from crossipc, checked in real Node, Bun and Deno processes
 * (issue 10; the scenarios are test/fixtures/compat/scenarios.ts):
 *   - connect() failures carry ECONNREFUSED / ETIMEDOUT / ECONNRESET, and grest-ts's retry loop
 *     registers with a hub that starts 700 ms later;
 *   - CROSSIPC_HOSTNAME / CROSSIPC_ACCESS_TOKEN are used (HOST/PORT never), and Deno without
 *     `--allow-env` neither throws nor prompts;
 *   - Deno with only `--allow-net=127.0.0.1`, no NO_COLOR and TERM=xterm-256color: server,
 *     client and module Worker;
 *   - start() + teardown() cycles keep the heap flat after a full GC.
 * Processes run in the environment a person has: NO_COLOR is removed, never set. Every run must
 * leave stderr empty (the library prints nothing). Exits 1 on any failure.
 *
 *   node --import tsx test/matrix/compat.ts
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { ROOT, type Runtime } from "./_spawn.ts";

const BIN = `${ROOT}node_modules/.bin`;
const SCENARIOS = "test/fixtures/compat/run.ts";
/** 1 500 cycles leaked ~8.7 MB before teardown closed crossws's Node adapter; now well under 1 MB. */
const CYCLES = 1500;
const MAX_GROWTH_BYTES = 3 * 1024 * 1024;

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

interface Check {
  name: string;
  run: () => Promise<void>;
}

const checks: Check[] = [];
const check = (name: string, run: Check["run"]) => checks.push({ name, run });

for (const runtime of ["node", "bun", "deno"] as const) {
  check(`${runtime}: connect() failures carry ECONNREFUSED, ETIMEDOUT and ECONNRESET`, async () => {
    const result = await scenario(runtime, ["connect-codes"]);
    // upgradeDropped: Deno's client said NETWORK_ERR (19) there, since its probe's plain request got an answer.
    assert.deepEqual({ refused: result.refused, timedOut: result.timedOut, reset: result.reset, upgradeDropped: result.upgradeDropped }, {
      refused: "ECONNREFUSED",
      timedOut: "ETIMEDOUT",
      reset: "ECONNRESET",
      upgradeDropped: "ECONNRESET",
    });
    // A server that answers the upgrade (a refusal, not HTTP, a wrong handshake) is not a dropped
    // one: grest-ts would retry it for ever. 25a3d98's rule made 'not HTTP' ECONNRESET on node, bun and deno,
    // and the wrong accept on node and bun (Deno's WebSocket takes it and connects).
    const retried = Object.entries(result.answeredBadly as Record<string, string | undefined>).filter(([, code]) => ["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENOENT"].includes(code!));
    assert.deepEqual(retried, [], JSON.stringify(result.messages));
  });

  check(`${runtime}: grest-ts's retry loop registers with a hub that starts 700 ms later`, async () => {
    const result = await scenario(runtime, ["retry"]);
    assert.deepEqual(result.registered, ["users"]);
    assert.ok(result.attempts > 1, `connect() failed at least once before the hub started (${result.attempts} attempts)`);
    assert.ok(result.codes.every((code: string) => code === "ECONNREFUSED"), `codes: ${result.codes}`);
  });

  check(`${runtime}: CROSSIPC_HOSTNAME and CROSSIPC_ACCESS_TOKEN are used, HOST and PORT are not`, async () => {
    const env = { CROSSIPC_HOSTNAME: "127.0.0.2", CROSSIPC_ACCESS_TOKEN: "s3cret", HOST: "127.0.0.3", PORT: "1" };
    const permissions = ["--allow-net=127.0.0.1,127.0.0.2", "--allow-env=CROSSIPC_HOSTNAME,CROSSIPC_ACCESS_TOKEN,HOST,PORT"];
    const result = await scenario(runtime, ["environment"], { env, permissions });
    assert.deepEqual(result, {
      url: "http://127.0.0.2:PORT",
      tokenRequired: true,
      // The client read the same token from the environment.
      clientWithoutOptions: "connected",
      clientWithWrongToken: "ERR_IPC_UNAUTHORIZED",
      warnings: ["[crossipc] Framework connection refused: Unauthorized: missing or wrong access token"],
    });
  });

  check(`${runtime}: ${CYCLES} start() + teardown() cycles with a client keep the heap flat after GC`, async () => {
    const result = await scenario(runtime, ["cycles", String(CYCLES)], { gc: true });
    assert.ok(
      result.growthBytes < MAX_GROWTH_BYTES,
      `heap grew by ${(result.growthBytes / 1024 / 1024).toFixed(2)} MiB (${result.perCycleBytes} B per cycle)`,
    );
  });
}

check("deno: without --allow-env the variables are not read, and nothing throws or prompts", async () => {
  const env = { CROSSIPC_HOSTNAME: "127.0.0.2", CROSSIPC_ACCESS_TOKEN: "s3cret" };
  const result = await scenario("deno", ["environment"], { env, permissions: ["--allow-net=127.0.0.1,127.0.0.2"] });
  assert.deepEqual(result, {
    url: "http://127.0.0.1:PORT",
    tokenRequired: false,
    clientWithoutOptions: "connected",
    clientWithWrongToken: "connected",
    warnings: [],
  });
});

check("deno: a server and a client with only --allow-net=127.0.0.1, TERM=xterm-256color, no NO_COLOR", async () => {
  const out = await deno(["--allow-net=127.0.0.1", "test/fixtures/compat/deno-net-only.ts"]);
  assert.deepEqual(out, { fromClient: "hello main-thread, you are main-thread" });
});

check("deno: a module Worker as a client, the same environment (read access only to load the Worker's modules)", async () => {
  const out = await deno(["--allow-net=127.0.0.1", `--allow-read=${ROOT}`, "test/fixtures/compat/deno-net-only.ts", "worker"]);
  assert.deepEqual(out, {
    fromClient: "hello main-thread, you are main-thread",
    fromWorker: { ready: true, greeting: "hello net-only-worker, you are net-only-worker" },
    product: 42,
  });
});

let failed = 0;
for (const { name, run } of checks) {
  const started = Date.now();
  try {
    await run();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}\n     ${String((error as Error).message ?? error).replaceAll("\n", "\n     ")}`);
  }
}
console.log(failed ? `compat: ${failed} of ${checks.length} failed` : `compat: all ${checks.length} green`);
process.exitCode = failed ? 1 : 0;

// --- helpers ---------------------------------------------------------------------------------

/** Runs a scenario of `run.ts` and returns its result; fails on an error, a non-zero exit or stderr output. */
async function scenario(
  runtime: Runtime,
  args: string[],
  options: { env?: Record<string, string>; permissions?: string[]; gc?: boolean } = {},
): Promise<any> {
  const [cmd, argv] = (() => {
    switch (runtime) {
      case "node":
        return [process.execPath, [...(options.gc ? ["--expose-gc"] : []), "--import", "tsx", SCENARIOS, ...args]] as const;
      case "bun":
        return [`${BIN}/bun`, [SCENARIOS, ...args]] as const;
      case "deno":
        return [
          `${BIN}/deno`,
          ["run", "--quiet", ...(options.permissions ?? ["--allow-net=127.0.0.1"]), ...(options.gc ? ["--v8-flags=--expose-gc"] : []), SCENARIOS, ...args],
        ] as const;
    }
  })();
  const run = await spawnRun(cmd, [...argv], options.env);
  const line = lastJson(run);
  if (line.error) throw new Error(`${runtime}: ${line.error}`);
  return line.result;
}

async function deno(args: string[]): Promise<any> {
  return lastJson(await spawnRun(`${BIN}/deno`, ["run", "--quiet", ...args]));
}

function lastJson(run: Run): any {
  const lines = run.stdout.trim().split("\n").filter(Boolean);
  if (run.stderr.trim()) throw new Error(`printed to stderr (exit ${run.code}):\n${run.stderr.trim()}`);
  if (run.code !== 0 && !lines.length) throw new Error(`exit ${run.code} without output`);
  return JSON.parse(lines.at(-1)!);
}

/** A child process in a person's environment: NO_COLOR and FORCE_COLOR removed, a colour terminal. */
function spawnRun(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, TERM: "xterm-256color", DENO_NO_UPDATE_CHECK: "1", ...extraEnv };
  for (const name of ["NO_COLOR", "FORCE_COLOR", "CROSSIPC_HOSTNAME", "CROSSIPC_ACCESS_TOKEN", "HOST", "PORT"]) {
    if (!(name in extraEnv)) delete env[name];
  }
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}
