/**
 * Log lines a peer can cause at will, one per frame, request or connection: a refused Host or
 * Origin, a binary or invalid frame, a handler or proxy that failed for its request. Each was one
 * line, and `crossipc hub` prints each as a line: a local process looping filled a terminal or CI
 * log at line rate and drowned the hub's own events. At most `MAX_LINES` lines of one kind go to a
 * logger each second; those left out in that second are counted in one line at its end.
 */
import { log } from "./_log.ts";
import { unrefTimeout } from "./_timers.ts";
import type { IPCLogger } from "./types.ts";

type Level = "warn" | "error";

/**
 * The kind of the lines that say a listener of the user's threw (a hub event, a socket's close, a
 * member's role): the user's own code, but called as often as peers connect, close and register.
 */
export const LISTENER_ERRORS = "listener errors";

const WINDOW_MS = 1000;
/** More than one-off events need (a page's blocked image, script, form and beacon at once). */
const MAX_LINES = 10;

interface Window {
  start: number;
  lines: number;
  /** Lines left out in this window. */
  unsaid: number;
}

/** Per logger, per kind: kinds are a fixed set of phrases in the code, so the map stays small. */
const windows = new WeakMap<IPCLogger, Map<string, Window>>();

/**
 * `log`, at most `MAX_LINES` times a second per logger and `kind`. `kind` names what is counted
 * in the line that says how many were left out ("binary frames ignored").
 */
export function logBounded(logger: IPCLogger | undefined, level: Level, kind: string, message: string, ...args: unknown[]): void {
  if (!logger?.[level]) return;
  const now = Date.now();
  let kinds = windows.get(logger);
  if (!kinds) windows.set(logger, (kinds = new Map()));
  let window = kinds.get(kind);
  if (!window || now - window.start >= WINDOW_MS) {
    window = { start: now, lines: 0, unsaid: 0 };
    kinds.set(kind, window);
  }
  if (window.lines < MAX_LINES) {
    window.lines++;
    log(logger, level, message, ...args);
    return;
  }
  // Said when the window ends, not with the next line: a flood that stopped had its count
  // never said, and the operator saw 10 lines for thousands of events.
  if (window.unsaid++ === 0) {
    const ended = window;
    unrefTimeout(() => log(logger, level, `${ended.unsaid} more ${kind} in that second, not shown (at most ${MAX_LINES} a second)`), ended.start + WINDOW_MS - now);
  }
}
