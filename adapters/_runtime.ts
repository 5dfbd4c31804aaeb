/**
 * The check each runtime entry runs before anything else of it: the entries import one of the
 * `_only-*.ts` modules first, so that the refusal comes before any dependency's module code
 * runs. This module imports nothing for the same reason.
 */

/** Fails clearly when a runtime entry is loaded in another runtime. */
export function assertRuntime(expected: "node" | "bun" | "deno"): void {
  const actual = detectRuntime();
  if (actual !== expected) {
    throw new Error(
      `crossipc/${expected} was loaded in ${actual}: import 'crossipc' (its exports map picks the runtime) or 'crossipc/${actual}'.`,
    );
  }
}

function detectRuntime(): "node" | "bun" | "deno" | "an unknown runtime" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.Deno) return "deno";
  if (g.Bun) return "bun";
  return g.process?.versions?.node ? "node" : "an unknown runtime";
}
