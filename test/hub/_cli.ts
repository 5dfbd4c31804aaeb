/** How the hub tests run the built CLI (dist/bin/crossipc.js) under each runtime. */
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
