import type { IPCLogger } from "./types.ts";

type Level = "debug" | "info" | "warn" | "error";

/** Keys `logOnce` keeps per server before it starts over (targets a resolver makes up are not all kept). */
const MAX_SAID = 1024;

/**
 * `log`, the first time `key` comes: a condition every request meets alike (a target the runtime
 * may not dial) is said once, not once per request.
 */
export function logOnce(logger: IPCLogger | undefined, said: Set<string>, key: string, level: Level, message: string): void {
  if (!logger || said.has(key)) return;
  if (said.size >= MAX_SAID) said.clear();
  said.add(key);
  log(logger, level, message);
}

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
