/**
 * A family of cases (one file in bench/cases/, as test/ has one file per area) and what the
 * runner hands it. To add one: write bench/cases/NAME.ts exporting a `Family`, and list it in
 * bench/cases/index.ts; its case ids then work with BENCH_CASES.
 */
import type { Proc, RuntimeSpec } from "./_proc.ts";
import type { Variant, VariantResult } from "./_model.ts";

/** One runtime's processes: a host (the servers of every role asked for) and a driver (clients). */
export interface Side {
  spec: RuntimeSpec;
  host: Proc;
  driver: Proc;
  /** Port of each host role (`crossipc`, `raw`, `orig`…). */
  ports: Record<string, number>;
  version: string;
}

export interface BenchContext {
  /** The Node that runs the orchestrator, the backend and the reference ends. */
  primary: RuntimeSpec;
  main: Side;
  /** The runtimes whose processes started, in the order node20, node24, bun, deno. */
  active: RuntimeSpec[];
  nodes: RuntimeSpec[];
  side(spec: RuntimeSpec): Side;
  /** The primary Node with bufferutil loaded, when it is installed. */
  bufferutil?: Side;
  /** Where the reference client and server of the "apart" cases run: the bufferutil side if any, else `main`. */
  reference: Side;
  backend: Proc;
  backendPort: number;
  backendUrl: string;
  /** Whether a case id is to be measured in this run (BENCH_CASES, or the family's default). */
  wants(caseId: string): boolean;
  /** Measures a variant and keeps its result for the report. */
  run(variant: Variant): Promise<VariantResult>;
}

/** What a family's profile hook gets: fresh processes on the primary Node, under --cpu-prof. */
export interface ProfileTarget {
  host: Proc;
  driver: Proc;
  ports: Record<string, number>;
  ms: number;
}

export interface Family {
  /** Case ids (BENCH_CASES) this family measures. */
  cases: string[];
  /** Case ids left out unless BENCH_CASES names them. */
  optional?: string[];
  /** Host roles this family needs on a runtime (the runner starts the union of every family's). */
  roles?(spec: RuntimeSpec, isPrimary: boolean): string[];
  run(ctx: BenchContext): Promise<void>;
  /** Re-runs a missed variant for its profile (host role `crossipc` on the primary Node). */
  profile?(variant: Variant, target: ProfileTarget): Promise<void>;
  /** Whether that profile is also taken of the driver (client) process. */
  profileClient?: boolean;
}

export const HOST = "127.0.0.1";

export const rawLabel = (spec: RuntimeSpec) => (spec.name.startsWith("node") ? "raw echo (ws + ws)" : spec.name === "bun" ? "raw echo (Bun.serve)" : "raw echo (Deno.upgradeWebSocket)");

/** `~100 B, 64 in flight` → its size and in-flight count (for profile hooks). */
export function parseVariant(variant: string): { size: "small" | "64k" | "64k-records"; inflight: number } {
  const m = /(64 KiB text|64 KiB records|~100 B), (\d+) in flight/.exec(variant);
  const size = m?.[1] === "64 KiB text" ? "64k" : m?.[1] === "64 KiB records" ? "64k-records" : "small";
  return { size, inflight: Number(m?.[2] ?? 64) };
}

export const SIZE_NAME = { small: "~100 B", "64k": "64 KiB text", "64k-records": "64 KiB records" } as const;

/** The replay family's memory line: the `record-flood` role's ring (host.ts) and the flood sent through it. */
export const RECORD_FLOOD = { size: 16, maxBody: 1024 * 1024, requests: 200, concurrency: 8 } as const;
