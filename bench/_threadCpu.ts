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
