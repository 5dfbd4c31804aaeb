/**
 * The process's soft limit on open files where the system tells it (Linux's `/proc`), else
 * undefined: Bun has no `getrlimit` (it raises the soft limit to the hard one at start, so this
 * is the limit in force).
 */
import { readFileSync } from "node:fs";

export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("Max open files"));
    // "Max open files            1024                 1048576              files" ("unlimited" is no number).
    const soft = Number(line?.slice("Max open files".length).trim().split(/\s+/)[0]);
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}
