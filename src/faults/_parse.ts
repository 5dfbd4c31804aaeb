import { addRoute, createRouter } from "rou3";
import { rou3Pattern } from "../server/_routes.ts";
import { FAULT_KINDS } from "./_kinds.ts";
import { type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";
import type { FaultKind, FaultMatch, FaultSpec } from "./_types.ts";

/** A fault as checked: one kind with its normalised value, the modifiers, the match. */
export interface ParsedFault {
  match: FaultMatch;
  kind: FaultKindDef;
  value: unknown;
  probability: number;
  times: number | undefined;
  /** What was given, normalised: what the API and the dashboard show. */
  spec: FaultSpec;
}

const MATCH_KEYS = new Set(["method", "path", "api"]);
const MODIFIERS = new Set(["probability", "times"]);
const MAX_TEXT = 2048;

/**
 * Checks a fault given by a user (API, REST body, CLI, another process) and throws a TypeError
 * that names what is wrong: no match, no kind or two, an unknown key, a modifier out of range.
 */
export function parseFault(match: unknown, fault: unknown): ParsedFault {
  const parsedMatch = parseMatch(match);
  if (!isRecord(fault)) throw new TypeError(`fault must be an object with one kind (${kindNames()}), got ${preview(fault)}`);
  const kinds: FaultKind[] = [];
  for (const key of Object.keys(fault)) {
    // Own keys only: `in` also found `constructor`, `toString`, `__proto__` (Object.prototype's),
    // and `{ __proto__: {} }` then failed with "kind.parse is not a function", worded per runtime.
    // A kind left `undefined` is not given, as a match key or a modifier left `undefined` is not
    // and as JSON leaves it out: `{ latency: opts.latency, status: opts.status }` was refused as
    // "got latency and status" by `server.fault` and `mocks.fault`, and taken by the REST API.
    if (Object.hasOwn(FAULT_KINDS, key)) {
      if (fault[key] !== undefined) kinds.push(key as FaultKind);
    } else if (!MODIFIERS.has(key)) throw new TypeError(`fault: unknown key '${cut(key)}' (kinds: ${kindNames()}; modifiers: probability, times)`);
  }
  if (kinds.length === 0) throw new TypeError(`fault needs one kind (${kindNames()}), got none`);
  if (kinds.length > 1) throw new TypeError(`fault takes one kind, got ${kinds.join(" and ")}`);
  const kind = FAULT_KINDS[kinds[0]!];
  const value = kind.parse(fault[kind.name]);
  // `null` is what JSON makes of NaN: refused, not read as "always".
  const probability = fault["probability"] === undefined ? 1 : fault["probability"];
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    throw new TypeError(`fault probability must be a number from 0 to 1, got ${preview(fault["probability"])}`);
  }
  const times = fault["times"];
  if (times !== undefined && (typeof times !== "number" || !Number.isInteger(times) || times < 1)) {
    throw new TypeError(`fault times must be a whole number >= 1, got ${preview(times)}`);
  }
  const spec = { [kind.name]: value } as FaultSpec;
  if (fault["probability"] !== undefined) spec.probability = probability;
  if (times !== undefined) spec.times = times as number;
  return { match: parsedMatch, kind, value, probability, times: times as number | undefined, spec };
}

function parseMatch(match: unknown): FaultMatch {
  if (!isRecord(match)) throw new TypeError(`fault match must be an object with method, path or api, got ${preview(match)}`);
  const out: FaultMatch = {};
  for (const key of Object.keys(match)) {
    if (!MATCH_KEYS.has(key)) throw new TypeError(`fault match: unknown key '${cut(key)}' (method, path, api)`);
    const value = match[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || value === "" || value.length > MAX_TEXT) {
      const what = typeof value === "string" && value !== "" ? `at most ${MAX_TEXT} characters` : "a non-empty string";
      throw new TypeError(`fault match ${key} must be ${what}, got ${preview(value)}`);
    }
    out[key as keyof FaultMatch] = value;
  }
  if (out.method !== undefined) {
    if (out.method !== "*" && !/^[A-Za-z]+$/.test(out.method)) throw new TypeError(`fault match method must be an HTTP method or *, got ${preview(out.method)}`);
    out.method = out.method.toUpperCase();
  }
  // An intercept-route pattern (SPEC §12): `users/:id` is refused here as by interceptHttp and
  // the mocks (../server/_routes.ts `unrootedPattern`).
  if (out.path !== undefined) checkPattern(out.path);
  if (out.method === undefined && out.path === undefined && out.api === undefined) {
    throw new TypeError("fault match needs at least one of method, path, api");
  }
  return out;
}

/**
 * A pattern the router refuses (`/a/:`, `/a/:x/:x`) is bad input like any other: a TypeError
 * naming it here, so the CLI exits 2 before asking the hub and every surface says the same,
 * rather than rou3's own Error escaping from the table (once per fault added, never per request).
 */
function checkPattern(path: string): void {
  try {
    addRoute(createRouter(), "", rou3Pattern(path), true);
  } catch (error) {
    throw new TypeError(`fault match path ${preview(path)} is refused: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindNames(): string {
  return Object.keys(FAULT_KINDS).join(", ");
}

function cut(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function preview(value: unknown): string {
  const text = value === undefined ? "nothing" : quoted(value);
  return cut(text);
}
