/**
 * Warnings a web page can cause at will: a refused Host, Origin, key or token, or service worker,
 * from any page in a loop (`new WebSocket(…)`, `fetch(…, { mode: "no-cors" })`). Each was one
 * line: a page looping printed thousands of lines a second in `crossipc hub`'s terminal (a CI
 * log grows with them), and the hub's own events drowned. At most `MAX_LINES` such lines go to a
 * logger each second; the next line said counts the refusals left out before it.
 */
import { log } from "../_log.ts";
import type { IPCLogger } from "../types.ts";

const WINDOW_MS = 1000;
/** More than a page's one-off refusals (a blocked image, script, form and beacon at once) need. */
const MAX_LINES = 10;

interface Window {
  start: number;
  lines: number;
  /** Refusals not shown since the last line. */
  unsaid: number;
}

const windows = new WeakMap<IPCLogger, Window>();

export function warnRefusal(logger: IPCLogger | undefined, message: string): void {
  if (!logger?.warn) return;
  const now = Date.now();
  let window = windows.get(logger);
  if (!window || now - window.start >= WINDOW_MS) {
    window = { start: now, lines: 0, unsaid: window?.unsaid ?? 0 };
    windows.set(logger, window);
  }
  if (window.lines >= MAX_LINES) {
    window.unsaid++;
    return;
  }
  window.lines++;
  const unsaid = window.unsaid;
  window.unsaid = 0;
  log(logger, "warn", unsaid ? `${message} (${unsaid} more refused before this, not shown: at most ${MAX_LINES} a second)` : message);
}
