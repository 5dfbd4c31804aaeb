import { readdirSync, readFileSync } from "node:fs";

/** Nanoseconds every thread of `pid` has run so far (Linux: the first field of each thread's schedstat under /proc). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/**
 * Minor page faults of `pid` so far, all its threads (the tenth field of /proc/<pid>/stat). A
 * count the machine's load does not move: at 64 KiB × 64 a Deno hub's CPU per request follows its
 * faults per request (bench/ANALYSIS.md, "Session 21 — Deno at 64 KiB, the swing").
 */
export function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name, in parentheses, may hold spaces: count the fields after it.
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}
