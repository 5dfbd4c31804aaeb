/** The orchestrator's settings (environment knobs), the repository root and its log line. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file runs as bench/*.ts (tsx) or compiled as bench/.build/bench/*.js. */
export const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) || !existsSync(path.join(dir, "adapters"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root");
    dir = up;
  }
  return dir;
})();

const env = process.env;
/** WebSocket and lifecycle cases: many short rounds (1-in-flight numbers swing ±20% between seconds). */
export const ROUND_MS = Number(env["BENCH_ROUND_MS"] ?? 400);
export const ROUNDS = Number(env["BENCH_ROUNDS"] ?? 9);
/** 500 ms: at 64 KiB × 1 a Node 20 client needed ~2,500 requests before its CPU per request settled (side A/B). */
export const WARM_MS = Number(env["BENCH_WARMUP_MS"] ?? 500);
/** autocannon cases: its rate samples are per second, so whole-second rounds. */
export const HTTP_ROUND_MS = Number(env["BENCH_HTTP_ROUND_MS"] ?? 1000);
export const HTTP_ROUNDS = Number(env["BENCH_HTTP_ROUNDS"] ?? 6);
/** Case ids to run (BENCH_CASES); undefined: every family's default cases. */
export const CASES: Set<string> | undefined = env["BENCH_CASES"] ? new Set(env["BENCH_CASES"].split(",")) : undefined;
export const WANTED = new Set((env["BENCH_RUNTIMES"] ?? "node20,node24,bun,deno").split(","));
export const PROFILE = env["BENCH_PROFILE"] !== "0";
export const OUT = env["BENCH_OUT"] ?? ROOT;
export const IDLE_CLIENTS = 1000;
export const HOST = "127.0.0.1";
export const started = Date.now();

export const log = (...args: unknown[]) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s]`, ...args);

/** A call to a child process may take the measuring time plus a generous margin. */
export const callMs = (ms: number) => ms + 60_000;
