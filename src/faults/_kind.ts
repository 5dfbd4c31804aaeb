import type { FaultKind } from "./_types.ts";
import { quoted } from "../_excerpt.ts";

/**
 * What a kind may do instead of letting the request be taken: answer it, drop its connection,
 * or never answer. All a kind needs to refuse a WebSocket upgrade (which nothing takes then).
 */
export interface FaultAnswers {
  readonly request: Request;
  /** A JSON answer the journal records. */
  answer(status: number, body: unknown): Response;
  /** Drops the client's connection without an answer (`Platform.resetConnection`). */
  reset(): Response | Promise<Response>;
  /** Parks a request that is never answered, within the server's bounds. */
  hold(): Promise<Response>;
  /**
   * Waits `ms` before the request is handled: `undefined` once waited, or the answer to give
   * instead when the client left or the server tore down meanwhile (nothing is to take it then).
   */
  delay(ms: number): Promise<Response | undefined>;
  /**
   * A place for one answer whose body the fault slows: the function that gives it back once the
   * body is done, or, past the server's bound, the answer to give instead (503, naming the bound).
   */
  throttle(): (() => void) | Response;
}

/** What a kind needs to fault one HTTP request: the answers above, or hand it on. */
export interface HttpFaultContext extends FaultAnswers {
  /** Hands the request on to whatever takes it (proxy, intercept, mock, replay, 404). */
  take(): Promise<Response>;
}

/** What a kind does to the frames of one relayed WebSocket. */
export interface SocketFault {
  /** ms to wait before relaying each frame, either way (order is kept). */
  delay?: () => number;
  /** Relay nothing, either way; the socket stays open. */
  drop?: boolean;
  /** Close the client's socket with this code once it is open. */
  close?: number;
}

/**
 * One kind of fault: its name, how its value is checked, and what it does. The kind only says
 * what happens; `probability` and `times` are the gate's (`_gate.ts`), and how a runtime drops a
 * connection is the adapter's (`Platform.resetConnection`), as WireMock keeps fault names in its
 * core and the mechanics in each transport.
 */
export interface FaultKindDef<T = unknown> {
  readonly name: FaultKind;
  /** The value checked and normalised; throws a TypeError that names the kind. */
  parse(value: unknown): T;
  /** Faults an HTTP request. Absent: the kind does not apply to HTTP requests. */
  http?(value: T, context: HttpFaultContext): Response | Promise<Response>;
  /** Answers a WebSocket upgrade instead of opening the socket. Absent: the kind does not refuse upgrades. */
  upgrade?(value: T, context: FaultAnswers): Response | Promise<Response>;
  /** Faults the frames of a WebSocket. Absent: the kind does not apply to relayed frames. */
  socket?(value: T): SocketFault;
}

/** The value of a kind that takes only `true`. */
export function flag(name: string, value: unknown): true {
  if (value !== true) throw new TypeError(`fault ${name} takes only true, got ${quoted(value)}`);
  return true;
}

