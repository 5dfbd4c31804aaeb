/** What the orchestrator measures and what the report prints. */

export type Group = "limit" | "original" | "peer" | "crossipc" | "prototype" | "reference";

export interface Sample {
  value: number;
  p50?: number;
  p99?: number;
  note?: string;
  /** Requests or messages completed in the round. */
  count?: number;
  /** CPU time (user + system) the measured process(es) spent per request or message, in µs. */
  cpuUs?: number;
}

export interface Competitor {
  key: string;
  label: string;
  runtime: string;
  group: Group;
  measure(ms: number): Promise<Sample>;
  /** Measure once (no warm-up, no rounds): the memory case. */
  single?: boolean;
  /**
   * The processes whose CPU time per request is recorded (less noisy than throughput): the
   * server under test, or for RPC both ends of the exchange.
   */
  cpuOf?: { call(op: string): Promise<any> } | Array<{ call(op: string): Promise<any> }>;
}

export interface RatioSpec {
  of: string;
  to: string;
  /** Shown in the summary and the chart when set. */
  target?: { min?: number; max?: number };
  /** The target's wording, e.g. "RPC ≥ 0.95× raw echo, 1 in flight". */
  targetName?: string;
  /** What is compared round by round: throughput (default) or a latency percentile (`of` ÷ `to`, lower is better). */
  metric?: "value" | "p50" | "p99";
}

export interface Variant {
  caseId: string;
  caseTitle: string;
  variant: string;
  unit: string;
  /** true: more is better (throughput); false: less is better (ms, KiB). */
  higher: boolean;
  competitors: Competitor[];
  ratios: RatioSpec[];
  /** An absolute budget for one competitor's value, e.g. memory ≤ 30 KiB. */
  budgets?: Array<{ of: string; max: number; targetName: string }>;
  client?: string;
}

export interface CompetitorResult {
  key: string;
  label: string;
  runtime: string;
  group: Group;
  rounds: Sample[];
  value: number;
  p50?: number;
  p99?: number;
  cpuUs?: number;
  notes: string[];
}

export interface RatioResult {
  caseId: string;
  variant: string;
  of: CompetitorResult;
  to: CompetitorResult;
  ratio: number;
  /** Server CPU per request of `of` ÷ that of `to` (paired by round), where both were recorded. */
  cpuRatio?: number;
  target?: { min?: number; max?: number };
  targetName?: string;
  met?: boolean;
  /** The interquartile range of the per-round ratios: how far the rounds of this run spread. */
  spread?: [number, number];
  /** An absolute budget rather than a ratio: `ratio` is then value / budget. */
  budget?: number;
  /** Set when the ratio compares a latency percentile rather than throughput. */
  metric?: "value" | "p50" | "p99";
}

export interface VariantResult {
  variant: Variant;
  results: CompetitorResult[];
  ratios: RatioResult[];
}

export interface ProfileReport {
  title: string;
  process: string;
  summary: import("./_profile.ts").ProfileSummary;
}
