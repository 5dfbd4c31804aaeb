/** What a fault matches: any of these, at least one; every one given must match. */
export interface FaultMatch {
  /** An HTTP method (`GET`…); absent or `*` for any. */
  method?: string;
  /** An intercept-route pattern (rou3: `/users/:id`, `/files/**`). */
  path?: string;
  /** A registered api (ServiceHub): the request's path is under that api's prefix. */
  api?: string;
}

/** One kind of fault, plus the modifiers every kind takes. */
export type FaultSpec = FaultKindSpec & FaultModifiers;

export type FaultKindSpec =
  | { latency: number | [number, number] }
  | { status: number }
  | { reset: true }
  | { timeout: true }
  | { bandwidth: number }
  | { drop: true }
  | { close: number };

export interface FaultModifiers {
  /** Chance (0–1) that a matching request (or WebSocket) is faulted, drawn for each. Default 1. */
  probability?: number;
  /** Only the next N matching requests; then the fault removes itself. */
  times?: number;
}

export type FaultKind = "latency" | "status" | "reset" | "timeout" | "bandwidth" | "drop" | "close";

/** A fault as the API, the dashboard and `crossipc fault --list` show it. */
export interface FaultInfo {
  id: string;
  match: FaultMatch;
  fault: FaultSpec;
  /** Requests (or WebSockets) it faulted so far. */
  hits: number;
  /** A fault added with `scope.fault`: the scope whose requests it faults (absent: every request). */
  scope?: string;
  /** A fault added from another process (`connectMocks`): the clientId of its connection. */
  owner?: string;
}

/** What `server.fault()` returns. */
export interface FaultHandle {
  readonly id: string;
  /** Requests (or WebSockets) it faulted so far. */
  readonly hits: number;
  /** Removes the fault; requests after this are not faulted by it. */
  remove(): void;
}
