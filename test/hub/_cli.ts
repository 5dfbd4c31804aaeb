/** How the hub tests run the built CLI (dist/bin/crossipc.js) under each runtime. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { TestContext } from "node:test";
import process from "node:process";
import { ROOT, type Runtime } from "../matrix/_spawn.ts";

const BIN = `${ROOT}node_modules/.bin`;
export const ENTRY = "dist/bin/crossipc.js";

/** The command and arguments that run the CLI under `runtime`; Deno with `denoPermissions` only. */
export function cliCommand(runtime: Runtime, denoPermissions: string[]): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, [ENTRY]];
    case "bun":
      return [`${BIN}/bun`, [ENTRY]];
    case "deno":
      return [`${BIN}/deno`, ["run", ...denoPermissions, ENTRY]];
  }
}

/** A Deno process run from the repository's root: its output as it arrives, and its exit. */
export function spawnDeno(args: string[], env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" }) {
  const child = spawn(`${BIN}/deno`, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  return { child, output, exited };
}

/** Runs a command from the repository's root to its end (killed after `killAfterMs`: status null): its exit status and whole output. */
export async function runToEnd(file: string, args: string[], env: NodeJS.ProcessEnv, killAfterMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(file, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const timer = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const status = await new Promise<number | null>((resolve) => proc.on("close", (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/**
 * `crossipc hub --port 0 --json [hubArgs]` (the built CLI) under `runtime`, SIGKILLed when the test ends:
 * the port of its first line, and all it printed so far (`stdout()`, one JSON event a line; `stderr()`).
 */
export async function startJsonHub(t: TestContext, runtime: Runtime, denoPermissions: string[], hubArgs: string[] = []): Promise<{ hub: ChildProcess; port: number; stdout: () => string; stderr: () => string }> {
  const [file, prefix] = cliCommand(runtime, denoPermissions);
  const hub = spawn(file, [...prefix, "hub", "--port", "0", "--json", ...hubArgs], { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => hub.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  hub.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  hub.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  while (!stdout.includes("\n")) await once(hub.stdout, "data");
  const { port } = JSON.parse(stdout.split("\n")[0]!) as { port: number };
  return { hub, port, stdout: () => stdout, stderr: () => stderr };
}

/**
 * `crossipc hub --port <port> …args` under Node, its output gathered: `until(text)` waits (up to
 * 30 s) for `text` in its stdout, `stopped()` ends it with SIGTERM and gives all it printed.
 */
export function watchedHub(t: TestContext, port: number, args: string[] = []): { until(text: string): Promise<void>; stopped(): Promise<string> } {
  const proc = spawn(process.execPath, [ENTRY, "hub", "--port", String(port), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => proc.kill("SIGKILL"));
  let stdout = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  return {
    async until(text) {
      for (let i = 0; i < 300 && !stdout.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      if (!stdout.includes(text)) throw new Error(`${text} not in ${JSON.stringify(stdout)}`);
    },
    async stopped() {
      proc.kill("SIGTERM");
      await once(proc, "exit");
      return stdout;
    },
  };
}
