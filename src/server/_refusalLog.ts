/**
 * Warnings a web page can cause at will: a refused Host, Origin, key or token, or service worker,
 * from any page in a loop (`new WebSocket(…)`, `fetch(…, { mode: "no-cors" })`). Bounded like every
 * line a peer can cause (see `logBounded`).
 */
import { logBounded } from "../_boundedLog.ts";
import type { IPCLogger } from "../types.ts";

export function warnRefusal(logger: IPCLogger | undefined, message: string): void {
  logBounded(logger, "warn", "requests refused", message);
}
