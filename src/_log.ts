import type { IPCLogger } from "./types.ts";

type Level = "debug" | "info" | "warn" | "error";

/** Calls the user's logger if it has that level; a throwing logger never reaches the caller. */
export function log(logger: IPCLogger | undefined, level: Level, message: string, ...args: unknown[]): void {
  const fn = logger?.[level];
  if (!fn) return;
  try {
    fn.call(logger, `[crossipc] ${message}`, ...args);
  } catch {
    // A broken logger must not break the connection that was being logged.
  }
}
