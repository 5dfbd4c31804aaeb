import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

/** The repository root, where `bin/crossipc.ts` runs from. */
export const ROOT: string = path.resolve(import.meta.dirname, "../..");

/** Runs `crossipc <args>` as a person does before a build (`node --import tsx bin/crossipc.ts`), with no hub variables but `env`. */
export async function crossipc(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, CROSSIPC_HUB_PORT: "", GG_LOCAL_ROUTER_PORT: "", CROSSIPC_ACCESS_TOKEN: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code] = await once(child, "close");
  return { code, stdout, stderr };
}
