/**
 * Helpers shared by every bench process, on Node, Bun and Deno: runtime detection, the
 * line protocol to the orchestrator (`@@{json}` on stdout, JSON commands on stdin),
 * payloads and percentiles.
 */
import process from "node:process";
import { createInterface } from "node:readline";

export type Runtime = "node" | "bun" | "deno";

const g = globalThis as { Bun?: any; Deno?: any };

export function runtime(): Runtime {
  return g.Deno ? "deno" : g.Bun ? "bun" : "node";
}

export function runtimeVersion(): string {
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}

/** Sends one message to the orchestrator. */
export function emit(message: unknown): void {
  process.stdout.write(`@@${JSON.stringify(message)}\n`);
}

export type CommandHandler = (command: any) => unknown;

/** Reads JSON commands from stdin (`{id, op, ...}`) and answers each with `{id, result}` or `{id, error}`. */
export function serveCommands(handler: CommandHandler): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    if (!line.trim()) return;
    let command: any;
    try {
      command = JSON.parse(line);
    } catch {
      return;
    }
    try {
      const result = await handler(command);
      emit({ id: command.id, result: result ?? null });
    } catch (error) {
      emit({ id: command.id, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
    }
  });
  // The orchestrator closing our stdin means it is gone: do not linger.
  lines.on("close", () => process.exit(0));
}

/** The ~100-byte JSON payload of the small cases. */
export function smallPayload(): unknown {
  return { id: 12345, name: "user-12345", email: "user12345@example.com", roles: ["reader", "writer"], active: true, score: 0.75 };
}

/**
 * 64 KiB of JSON made of one long text field: cheap to parse, so the framing and the transport
 * show (this is what the ≥ 0.75× target is about).
 */
export function textPayload(bytes = 64 * 1024): unknown {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = `${words[i % words.length]}${i % 97}`;
    parts.push(word);
    length += word.length + 1;
  }
  const payload = { id: 1, kind: "document", text: "" };
  const overhead = JSON.stringify(payload).length;
  payload.text = parts.join(" ").slice(0, bytes - overhead);
  return payload;
}

/**
 * 64 KiB of JSON made of ~800 small records, as an API would return them: JSON.parse and
 * JSON.stringify of it cost far more than moving the bytes.
 */
export function recordsPayload(bytes = 64 * 1024): unknown {
  const items: unknown[] = [];
  let size = 11;
  for (let i = 0; size < bytes - 120; i++) {
    const item = { id: i, name: `item-${i}`, tags: ["alpha", "beta"], price: i * 1.25, ok: i % 2 === 0 };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  const payload = { items, pad: "" };
  payload.pad = "x".repeat(Math.max(0, bytes - JSON.stringify(payload).length));
  return payload;
}

export type PayloadSize = "small" | "64k" | "64k-records";

export function payloadFor(size: PayloadSize): unknown {
  return size === "small" ? smallPayload() : size === "64k" ? textPayload() : recordsPayload();
}

/** p in [0, 100] of an unsorted array of numbers (sorted in place). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  const index = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[index]!;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Collects latency samples of one round without unbounded growth. */
export class Latencies {
  readonly values: number[] = [];
  add(ms: number): void {
    if (this.values.length < 500_000) this.values.push(ms);
  }
  summary(): { p50: number; p99: number } {
    return { p50: percentile(this.values, 50), p99: percentile(this.values, 99) };
  }
}

/** Memory of this process after a full GC, where the runtime allows one. */
export async function memory(): Promise<{ rss: number; heapUsed: number; external: number }> {
  for (let i = 0; i < 3; i++) {
    if (g.Bun) g.Bun.gc(true);
    else if (typeof (globalThis as { gc?: () => void }).gc === "function") (globalThis as { gc: () => void }).gc();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
