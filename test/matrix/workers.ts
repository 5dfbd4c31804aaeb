/**
 * Workers as framework clients (SPEC §6) in Node (`worker_threads`; Node 20 and 24), Bun and
 * Deno: test/fixtures/workers-parent.ts runs under each, with 20 workers talking to a hub in the
 * parent and to the conformance hub in another runtime's process. Deno runs as a person grants it
 * (`--allow-net=127.0.0.1`, `--allow-read` to load the workers' modules, no -A, no NO_COLOR);
 * `--unstable-worker-options` lets it give half the workers less than itself. Every run must leave
 * stderr empty. Exits 1 on any failure.
 *
 *   node --import tsx test/matrix/workers.ts
 */
import assert from "node:assert/strict";
import { ROOT, start, stopHub, waitExit, type Child, type Runtime } from "./_spawn.ts";
import { spawn } from "node:child_process";

const WORKERS = 20;
const PARENT = "test/fixtures/workers-parent.ts";

interface Parent {
  name: string;
  /** The runtime of the hub in the other process. */
  hubRuntime: Runtime;
  command: [string, string[]];
}

const parents: Parent[] = [
  { name: `node ${process.version}`, hubRuntime: "bun", command: [process.execPath, ["--import", "tsx", PARENT]] },
  { name: "node 24", hubRuntime: "deno", command: ["npx", ["-y", "node@24", "--import", "tsx", PARENT]] },
  { name: "bun", hubRuntime: "deno", command: [`${ROOT}node_modules/.bin/bun`, [PARENT]] },
  {
    name: "deno",
    hubRuntime: "node",
    command: [`${ROOT}node_modules/.bin/deno`, ["run", "--quiet", "--unstable-worker-options", "--allow-net=127.0.0.1", `--allow-read=${ROOT}`, PARENT]],
  },
];

let failed = 0;
for (const parent of parents) {
  const started = Date.now();
  const hub = start(parent.hubRuntime, "test/fixtures/server.ts", [], { unsetEnv: ["NO_COLOR"] });
  const problems: string[] = [];
  try {
    const { port } = await hub.nextJson<{ port: number }>(30_000, "the hub's port");
    const { stdout, stderr, code } = await run(parent.command, ["--hub", `http://127.0.0.1:${port}`, "--workers", String(WORKERS)]);
    assert.equal(stderr.trim(), "", "the parent and its workers print nothing on stderr");
    assert.equal(code, 0, `exit code ${code}`);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    const hasWebSocket = result.clientEntryWorkers > 0;
    assert.deepEqual(
      { ...result, clientEntryWorkers: undefined, clientEntryWithoutWebSocket: undefined, runtime: undefined },
      {
        ready: WORKERS,
        notReady: [],
        answersHere: WORKERS,
        answersThere: WORKERS,
        mocked: "mocks-in-w-2",
        mockAnswer: [200, { by: "mocks-in-w-2" }],
        pendingAfterTerminate: { code: "ERR_IPC_CLOSED", message: "Connection closed" },
        rejectedWithinMs: true,
        disconnectedHere: true,
        disconnectedThere: "w-0",
        stopped: WORKERS - 1,
        disconnected: WORKERS,
        clientEntryWorkers: undefined,
        clientEntryWithoutWebSocket: undefined,
        runtime: undefined,
      },
    );
    // crossipc/client ran in half the workers, or (Node 20) said why it cannot.
    if (hasWebSocket) assert.equal(result.clientEntryWorkers, WORKERS / 2);
    else assert.match(result.clientEntryWithoutWebSocket, /no global WebSocket: import from 'crossipc' instead/);
  } catch (error) {
    problems.push(String((error as Error).message ?? error));
  } finally {
    problems.push(...(await stopHub(hub)));
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${parent.name} (hub: ${parent.hubRuntime})\n     ${problems.join("\n").replaceAll("\n", "\n     ")}`);
  } else {
    console.log(`ok   ${parent.name}: ${WORKERS} workers, hub in ${parent.hubRuntime} (${Date.now() - started} ms)`);
  }
}
console.log(failed ? `workers: ${failed} of ${parents.length} failed` : `workers: all ${parents.length} green`);
process.exitCode = failed ? 1 : 0;

/** Runs the parent as a person would (no NO_COLOR), with a time limit. */
function run([cmd, argv]: [string, string[]], extra: string[]): Promise<{ stdout: string; stderr: string; code: number | string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  delete env.NO_COLOR;
  const child = spawn(cmd, [...argv, ...extra], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  const holder = { runtime: "node" as Runtime, proc: child, stderr: () => stderr, exited } as unknown as Child;
  return waitExit(holder, 120_000, "the workers parent").then((code) => ({ stdout, stderr, code }));
}
