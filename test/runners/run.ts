/**
 * The driver of the runner suites (run by test/run-runners.sh): one hub (node), one real service
 * registered with it (bun), then, one runner at a time, each runner's eight files in parallel,
 * a SIGKILLed test process per runner, a test that times out (vitest, node), and the README's examples; for Playwright also its page
 * specs in Chromium and the hub started by `webServer` and by `globalSetup`. Runners get the hub as
 * `CROSSIPC_HUB_PORT`, run as a person runs them: colours on (no NO_COLOR), Deno with
 * `--allow-net=127.0.0.1 --allow-env=CROSSIPC_HUB_PORT` only. Exits non-zero on any failure.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import process from "node:process";
import { ROOT, start, waitExit, type Child } from "../matrix/_spawn.ts";
import { heldNames } from "./_held.ts";
import { timedOutPassed } from "./_timedOut.ts";
import { freePort } from "../fixtures/_freePort.ts";

type RunnerName = "vitest" | "bun" | "node" | "deno" | "playwright";
const BIN = `${ROOT}node_modules/.bin`;
const RUNNERS: RunnerName[] = ["vitest", "bun", "node", "deno", "playwright"];
/** A runner's whole parallel run; the files wait for each other at the service's barrier. */
const RUN_TIMEOUT_MS = 240_000;

/** The command that runs test files (a directory or files) under a runner, as a user would. */
function runnerCommand(runner: RunnerName, files: string[]): string[] {
  switch (runner) {
    case "vitest":
      return [`${BIN}/vitest`, "run", "--config", "test/runners/vitest.config.ts", ...files];
    case "bun":
      return [`${BIN}/bun`, "test", "--parallel=8", "--timeout=120000", ...files.map((f) => `./${f}`)];
    case "node":
      return [process.execPath, "--import", "tsx", "--test", "--test-concurrency=8", ...files];
    case "deno":
      return [`${BIN}/deno`, "test", "--parallel", "--allow-net=127.0.0.1", "--allow-env=CROSSIPC_HUB_PORT", ...files];
    case "playwright":
      return [`${BIN}/playwright`, "test", "--config", "test/runners/playwright.config.ts", ...files];
  }
}

function filesOf(dir: string, pattern: RegExp = /\.test\.ts$/): string[] {
  return readdirSync(`${ROOT}${dir}`)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => `${dir}/${name}`);
}

function runnerEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CROSSIPC_HUB_PORT: String(port), DENO_JOBS: "8", DENO_NO_UPDATE_CHECK: "1" };
  // A person's terminal: colours on, so modules that look at the terminal at import run as they do there.
  delete env.NO_COLOR;
  env.TERM ??= "xterm-256color";
  return env;
}

/** Runs a command to its end with its output passed through; resolves with its exit code. */
function run(command: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    // A process group of its own, so a timeout takes the runner's workers down with it.
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
    const timer = setTimeout(() => {
      console.error(`FAIL: still running after ${timeoutMs / 1000} s: ${command.join(" ")}`);
      killGroup(child.pid);
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

interface MockRow {
  scope: string | null;
  path: string;
  method: string;
  owner: string;
  calls: number;
}

async function mocksAt(hub: string): Promise<MockRow[]> {
  const body = (await (await fetch(`${hub}/__crossipc/api/state`)).json()) as { mocks?: MockRow[] };
  if (!Array.isArray(body.mocks)) throw new Error("/__crossipc/api/state has no mocks list");
  return body.mocks;
}

/**
 * The rules still at the hub once a run has ended, asked again for up to 5 s while any are: a
 * connection closed by a process's exit reaches the hub on its own socket, maybe after the exit
 * was seen here.
 */
async function rulesLeft(hub: string): Promise<unknown[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const left: unknown[] = await mocksAt(hub).catch((error: Error) => [{ error: error.message }]);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls until `check` returns a value (not undefined), or throws `what` after `ms`. */
async function until<T>(ms: number, what: () => string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A test process SIGKILLed mid-suite, while a request waits on its handler: the request gets
 * an answer, and none of its rules stays at the hub.
 */
async function killedMidSuite(runner: RunnerName, hub: string, env: NodeJS.ProcessEnv): Promise<void> {
  const names = heldNames(runner);
  const command = runnerCommand(runner, [`test/runners/held/${runner}.test.ts`]);
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  try {
    const held = (m: MockRow) => m.scope === names.scope || m.path === names.unscopedPath;
    await until(60_000, () => `${runner}: the held test's rules never showed up at the hub. stderr:\n${stderr}`, async () => {
      const rows = (await mocksAt(hub)).filter(held);
      return rows.length === 3 ? rows : undefined;
    });
    // A request that waits on the handler that never answers, then the kill.
    const waiting = fetch(`${hub}${names.hangPath}`, { headers: { baggage: `crossipc-scope=${names.scope}` } }).then(
      async (response) => ({ status: response.status, body: await response.text() }),
      (error: Error) => ({ status: 0, body: `fetch failed: ${error.message}` }),
    );
    await until(10_000, () => `${runner}: the waiting request never reached the held handler`, async () => {
      const rows = (await mocksAt(hub)).filter((m) => m.scope === names.scope && m.path === names.hangPath && m.calls === 1);
      return rows.length === 1 ? rows : undefined;
    });
    killGroup(child.pid);
    const answered = await Promise.race([waiting, new Promise<undefined>((resolve) => setTimeout(resolve, 15_000, undefined))]);
    if (!answered) throw new Error(`${runner}: the request waiting on the killed handler got no answer within 15 s`);
    if (answered.status < 500) throw new Error(`${runner}: the request waiting on the killed handler got ${answered.status} ${answered.body}`);
    await until(10_000, () => `${runner}: rules of the killed process are still at the hub`, async () =>
      (await mocksAt(hub)).filter(held).length === 0 ? true : undefined,
    );
    // The routes are the service's again.
    const price = await (await fetch(`${hub}/shop/price/after-kill`, { headers: { baggage: `crossipc-scope=${names.scope}` } })).json();
    if ((price as { source?: string }).source !== "service") throw new Error(`${runner}: after the kill, /shop/price answered ${JSON.stringify(price)}`);
    console.log(`ok   ${runner}: SIGKILL mid-suite: the waiting request got ${answered.status}, the hub holds none of its rules`);
  } finally {
    killGroup(child.pid);
  }
}

/** The runners whose tests get a signal that aborts on a timeout (test/runners/timed-out/). */
const TIMED_OUT_RUNNERS: RunnerName[] = ["vitest", "node"];
/** The timed-out file's whole run: its first test times out after 1.5 s; `node --test` must then exit by itself. */
const TIMED_OUT_RUN_MS = 60_000;

/**
 * A test that times out holding rules (test/runners/_timedOut.ts): the run fails (that test
 * failed), ends by itself within TIMED_OUT_RUN_MS, and its second test saw none of the rules.
 */
async function timedOut(runner: RunnerName, env: NodeJS.ProcessEnv): Promise<void> {
  const command = runnerCommand(runner, [`test/runners/timed-out/${runner}.test.ts`]);
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const code = await new Promise<number | "still running">((resolve) => {
    const timer = setTimeout(() => resolve("still running"), TIMED_OUT_RUN_MS);
    child.on("exit", (exitCode, signal) => {
      clearTimeout(timer);
      resolve(exitCode ?? (signal ? 128 : 1));
    });
  });
  killGroup(child.pid);
  if (code === "still running") throw new Error(`${runner}: the run with a timed-out test was still running after ${TIMED_OUT_RUN_MS / 1000} s. Output:\n${output}`);
  if (code !== 1) throw new Error(`${runner}: the run with a timed-out test exited ${code}, not 1 (that one test failing). Output:\n${output}`);
  if (!output.includes(timedOutPassed(runner))) throw new Error(`${runner}: the test after the timed-out one did not pass. Output:\n${output}`);
  console.log(`ok   ${runner}: a timed-out test's rules left the hub before the next test, and the run ended by itself`);
}

/**
 * Playwright's page specs (test/runners/playwright-pages/): eight files and three more, four
 * workers, a retry for the test that fails on purpose; then the hub must hold no rule.
 */
async function playwrightPages(env: NodeJS.ProcessEnv, failures: string[]): Promise<void> {
  const hub = `http://127.0.0.1:${env.CROSSIPC_HUB_PORT}`;
  console.log(`\n--- playwright: ${filesOf("test/runners/playwright-pages").length} page spec files in Chromium, 4 workers, retries 1`);
  const command = runnerCommand("playwright", ["--workers=4", "--retries=1", "test/runners/playwright-pages/"]);
  const code = await run(command, env, RUN_TIMEOUT_MS);
  if (code !== 0) failures.push(`playwright: the page specs exited ${code}`);
  const left = await rulesLeft(hub);
  if (left.length !== 0) failures.push(`playwright: rules left at the hub after the page specs: ${JSON.stringify(left).slice(0, 500)}`);
}

/**
 * Playwright's `webServer` starting `crossipc hub` on a free port and waiting for it
 * (test/runners/playwright-webserver.config.ts); once the run ends, the hub is gone and the
 * port is free again. Then the same specs against a `ServiceHub` that `globalSetup` starts.
 */
async function playwrightWebServer(env: NodeJS.ProcessEnv, failures: string[]): Promise<void> {
  const port = await freePort();
  console.log(`\n--- playwright: webServer starts \`crossipc hub\` on port ${port}`);
  const command = [`${BIN}/playwright`, "test", "--config", "test/runners/playwright-webserver.config.ts"];
  const code = await run(command, { ...env, CROSSIPC_HUB_PORT: String(port) }, RUN_TIMEOUT_MS);
  if (code !== 0) failures.push(`playwright: the webServer run exited ${code}`);
  const stillAnswers = await fetch(`http://127.0.0.1:${port}/__crossipc/api/state`).then(() => true, () => false);
  if (stillAnswers) failures.push(`playwright: the hub webServer started still answers on ${port} after the run`);

  console.log("\n--- playwright: globalSetup starts a ServiceHub in Playwright's process");
  const { CROSSIPC_HUB_PORT: _theDriversHub, ...withoutPort } = env;
  const fromSetup = await run([`${BIN}/playwright`, "test", "--config", "test/runners/playwright-globalsetup.config.ts"], withoutPort, RUN_TIMEOUT_MS);
  if (fromSetup !== 0) failures.push(`playwright: the globalSetup run exited ${fromSetup}`);
}

/** The README's runner examples, each run by its runner against the built package. */
const EXAMPLES: Record<RunnerName, string[]> = {
  vitest: ["test/runners/examples/vitest.test.ts", "test/runners/examples/vitest-fixture.test.ts"],
  bun: ["test/runners/examples/bun.test.ts"],
  node: ["test/runners/examples/node.test.ts"],
  deno: ["test/runners/examples/deno.test.ts"],
  playwright: ["test/runners/examples/playwright.test.ts"],
};

/** Each example is in the README as it is on disk, as one `ts` block. */
function readmeShowsExamples(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  return Object.values(EXAMPLES)
    .flat()
    .filter((file) => !readme.includes("```ts\n" + readFileSync(`${ROOT}${file}`, "utf8").trimEnd() + "\n```"))
    .map((file) => `README.md does not show ${file} as it is (a \`ts\` block with the file's exact text)`);
}

const failures: string[] = [];
let hubProc: Child | undefined;
let serviceProc: Child | undefined;
try {
  hubProc = start("node", "test/runners/hub.ts");
  const { port } = await hubProc.nextJson<{ port: number }>(30_000, "the hub's port");
  const hub = `http://127.0.0.1:${port}`;
  serviceProc = start("bun", "test/runners/service.ts", ["--hub", String(port)]);
  await serviceProc.nextJson(30_000, "the service's registration");
  const env = runnerEnv(port);
  console.log(`--- hub ${hub} (node), service /shop (bun)`);

  const only = process.argv.slice(2) as RunnerName[];
  for (const runner of only.length ? only : RUNNERS) {
    console.log(`\n--- ${runner}: ${filesOf(`test/runners/${runner}`).length} files in parallel`);
    const code = await run(runnerCommand(runner, runner === "node" ? filesOf(`test/runners/${runner}`) : [`test/runners/${runner}/`]), env, RUN_TIMEOUT_MS);
    if (code !== 0) failures.push(`${runner}: the parallel suite exited ${code}`);
    const left = await rulesLeft(hub);
    if (left.length !== 0) failures.push(`${runner}: rules left at the hub after the suite: ${JSON.stringify(left).slice(0, 500)}`);
    if (runner === "playwright") {
      await playwrightPages(env, failures);
      await playwrightWebServer(env, failures);
    }

    console.log(`\n--- ${runner}: a test process killed mid-suite`);
    await killedMidSuite(runner, hub, env).catch((error: Error) => failures.push(error.message));

    if (TIMED_OUT_RUNNERS.includes(runner)) {
      console.log(`\n--- ${runner}: a test that times out holding rules, with connectMocks({ signal })`);
      await timedOut(runner, env).catch((error: Error) => failures.push(error.message));
      const left = await rulesLeft(hub);
      if (left.length !== 0) failures.push(`${runner}: rules left at the hub after the timed-out test: ${JSON.stringify(left).slice(0, 500)}`);
    }

    console.log(`\n--- ${runner}: the README example(s), importing the built package by name`);
    // Deno checks the examples' "crossipc" (a self-reference to dist/ in this repository) as
    // local files and does not map dist's `.ts` specifiers to `.d.ts`, as it does for an
    // installed package; run-runners.sh type-checks the examples against dist/ with tsc.
    const exampleCommand = runnerCommand(runner, EXAMPLES[runner]);
    if (runner === "deno") exampleCommand.splice(2, 0, "--no-check");
    const examples = await run(exampleCommand, env, RUN_TIMEOUT_MS);
    if (examples !== 0) failures.push(`${runner}: the README example(s) exited ${examples}`);
  }
  failures.push(...readmeShowsExamples());
} catch (error) {
  failures.push((error as Error).message);
} finally {
  for (const child of [serviceProc, hubProc]) {
    if (!child) continue;
    child.proc.stdin.end();
    child.proc.kill("SIGTERM");
    await waitExit(child, 5000, "exit").catch(() => undefined);
  }
}

if (failures.length) {
  for (const [name, child] of [["hub", hubProc], ["service", serviceProc]] as const) {
    if (child?.stderr()) console.error(`\n--- ${name} stderr:\n${child.stderr()}`);
  }
  console.error(`\nrunners: ${failures.length} failure(s):\n${failures.map((f) => `  FAIL ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nrunners: all green");
