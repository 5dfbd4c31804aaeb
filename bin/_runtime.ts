/**
 * What the CLI needs from the runtime it runs in: crossipc with that runtime's adapter
 * (chosen at run time, so one built file serves `node`, `bun` and `deno`), environment
 * variables, signals and exit.
 */
import process from "node:process";

export type Runtime = "node" | "bun" | "deno";
export type Crossipc = typeof import("../adapters/node.ts");

const g = globalThis as { Bun?: unknown; Deno?: DenoPermissions };
export const runtime: Runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

type PermissionDescriptor = { name: "env"; variable: string } | { name: "read" | "write"; path: string } | { name: "net"; host: string };

interface DenoPermissions {
  permissions: { querySync(descriptor: PermissionDescriptor): { state: string } };
}

/** crossipc on this runtime's adapter (the package's `exports` map does the same for `import "crossipc"`). */
export async function loadCrossipc(): Promise<Crossipc> {
  switch (runtime) {
    case "deno":
      return (await import("../adapters/deno.ts")) as unknown as Crossipc;
    case "bun":
      return (await import("../adapters/bun.ts")) as unknown as Crossipc;
    default:
      return import("../adapters/node.ts");
  }
}

/** An environment variable, or `undefined`; under Deno without `--allow-env` it reads as unset instead of throwing. */
export function readEnv(name: string): string | undefined {
  try {
    if (g.Deno && g.Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return process.env[name];
  } catch {
    return undefined;
  }
}

/**
 * Imports a module that reads `process.env.TERM` while it loads (citty's colour check), so that
 * under Deno without `--allow-env` it sees no environment instead of dying with "NotCapable:
 * Requires env access to \"TERM\"": `deno run --allow-net` is enough for a loopback hub, as for
 * the library. Colours are off then, as with `NO_COLOR` — and also when stdout is no terminal
 * (citty colours a pipe or a file too: `crossipc --help > usage.txt` held escape codes).
 */
export async function importWithoutEnv<T>(load: () => Promise<T>): Promise<T> {
  const terminal = process.stdout.isTTY === true;
  if (terminal && (!g.Deno || readEnv("TERM") !== undefined || termGranted())) return load();
  const holder = globalThis as { process?: unknown };
  const real = holder.process;
  holder.process = { env: { NO_COLOR: "1" } };
  try {
    return await load();
  } finally {
    holder.process = real;
  }
}

function termGranted(): boolean {
  try {
    return g.Deno!.permissions.querySync({ name: "env", variable: "TERM" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Under Deno, the `--allow-read=PATH` / `--allow-write=PATH` flags among `needs` that were not
 * granted (none elsewhere). Asked with `querySync`, which never prompts: a file API called
 * without the permission would make Deno prompt in a terminal, with the hub waiting on the
 * prompt (at Ctrl-C, for the recording's last write), or, without a terminal, fail naming a
 * temporary file.
 */
export function missingDenoFileAccess(needs: Array<{ name: "read" | "write"; path: string }>): string[] {
  if (!g.Deno) return [];
  return needs
    .filter(({ name, path }) => {
      try {
        return g.Deno!.permissions.querySync({ name, path }).state !== "granted";
      } catch {
        return true;
      }
    })
    .map(({ name, path }) => `--allow-${name}=${path}`);
}

/**
 * Under Deno, the `host:port` of `base` (an http:// URL) that `--allow-net` does not grant (none
 * elsewhere). Asked with `querySync`, which never prompts: `fetch` without the permission would
 * make Deno prompt in a terminal, and `crossipc status`/`journal`/`fault` waited on it for good.
 */
export function missingDenoNet(base: string): string | undefined {
  if (!g.Deno) return undefined;
  const url = new URL(base);
  const host = `${url.hostname}:${url.port || 80}`;
  try {
    return g.Deno.permissions.querySync({ name: "net", host }).state === "granted" ? undefined : host;
  } catch {
    return host;
  }
}

/** Calls `stop` once on SIGINT or SIGTERM. */
export function onStopSignal(stop: (signal: string) => void): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal);
    });
  }
}

/**
 * A reader that stops reading (`crossipc journal --har | head`, `| grep -q`) ends the command
 * quietly with 0, as Unix tools do. The failed write used to surface as a stack trace and exit 1
 * (Node), "Uncaught Error: write EPIPE" (Deno), or a Bun process busy until it was killed.
 */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") exit(0);
    throw error;
  });
}

export function exit(code: number): never {
  process.exit(code);
}
