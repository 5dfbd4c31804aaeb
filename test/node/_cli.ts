import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

/** The repository root, where `bin/crossipc.ts` runs from. */
export const ROOT: string = path.resolve(import.meta.dirname, "../..");

/** Starts `crossipc <args>` as a person does before a build (`node --import tsx bin/crossipc.ts`), with no hub variables but `env`; its output so far is read with `out()` and `err()`. */
export function spawnCrossipc(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, CROSSIPC_HUB_PORT: "", GG_LOCAL_ROUTER_PORT: "", CROSSIPC_ACCESS_TOKEN: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return { child, out: () => stdout, err: () => stderr };
}

/** Runs `crossipc <args>` to its end (see `spawnCrossipc`). */
export async function crossipc(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = spawnCrossipc(args, env);
  const [code] = await once(run.child, "close");
  return { code, stdout: run.out(), stderr: run.err() };
}
