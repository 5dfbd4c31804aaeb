/** Starting fixture scripts under each runtime as child processes, and reading their JSON lines. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

export type Runtime = "node" | "bun" | "deno";
export const RUNTIMES: Runtime[] = ["node", "bun", "deno"];

export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url));
const BIN = `${ROOT}node_modules/.bin`;

/** The command that runs a TypeScript file under a runtime, from source. */
export function command(runtime: Runtime, script: string, args: string[] = [], options: SpawnOptions = {}): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, ["--import", "tsx", script, ...args]];
    case "bun":
      return [`${BIN}/bun`, [script, ...args]];
    case "deno":
      return [`${BIN}/deno`, ["run", ...(options.denoPermissions ?? ["-A"]), "--quiet", script, ...args]];
  }
}

export interface Child {
  runtime: Runtime;
  proc: ChildProcessWithoutNullStreams;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The next JSON line on stdout (non-JSON lines are collected as `stdout noise`). */
  nextJson<T = any>(timeoutMs?: number, what?: string): Promise<T>;
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  /** Deno's permission flags instead of `-A` (what a user grants, e.g. `--allow-net=127.0.0.1`). */
  denoPermissions?: string[];
  /** Environment variables to drop (e.g. `NO_COLOR`, to run as in a person's terminal). */
  unsetEnv?: string[];
  /** `ulimit -n` for the child alone (the test process keeps its own limit). */
  maxOpenFiles?: number;
}

export function start(runtime: Runtime, script: string, args: string[] = [], options: SpawnOptions = {}): Child {
  let [cmd, argv] = command(runtime, script, args, options);
  if (options.maxOpenFiles) [cmd, argv] = ["bash", ["-c", `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, cmd, ...argv]];
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const proc = spawn(cmd, argv, {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const lines: unknown[] = [];
  const waiting: Array<(line: unknown) => void> = [];
  let buffer = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        stderr += `[stdout noise] ${line}\n`;
        continue;
      }
      const take = waiting.shift();
      if (take) take(value);
      else lines.push(value);
    }
  });
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  return {
    runtime,
    proc,
    stderr: () => stderr,
    exited,
    nextJson: (timeoutMs = 30_000, what = "a JSON line") => {
      if (lines.length) return Promise.resolve(lines.shift() as any);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${runtime}: no ${what} within ${timeoutMs}ms. stderr:\n${stderr}`)), timeoutMs);
        const take = (line: unknown) => {
          clearTimeout(timer);
          resolve(line as any);
        };
        waiting.push(take);
        exited.then((code) => {
          const index = waiting.indexOf(take);
          if (index === -1) return;
          waiting.splice(index, 1);
          clearTimeout(timer);
          reject(new Error(`${runtime}: exited (${code}) before ${what}. stderr:\n${stderr}`));
        });
      });
    },
  };
}

/** Resolves with the exit code, or kills the process and rejects after `ms`. */
export async function waitExit(child: Child, ms: number, what: string): Promise<number | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.proc.kill("SIGKILL");
      reject(new Error(`${child.runtime}: ${what}: still running after ${ms}ms`));
    }, ms);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops a hub fixture (one that tears down when stdin ends and says `{"stopped":true}`): what went
 * wrong, if anything — no confirmation, no exit, or anything printed on stderr (a hub prints
 * nothing unless given a logger).
 */
export async function stopHub(hub: Child): Promise<string[]> {
  const problems: string[] = [];
  hub.proc.stdin.end();
  try {
    await hub.nextJson(10_000, "teardown confirmation");
    await waitExit(hub, 10_000, "exit after teardown");
  } catch (error) {
    problems.push(`hub ${hub.runtime}: ${(error as Error).message}`);
  }
  if (hub.stderr().trim()) problems.push(`hub ${hub.runtime} printed: ${hub.stderr().trim().slice(0, 500)}`);
  return problems;
}
