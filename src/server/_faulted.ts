import { errorMessage } from "../errors.ts";
import { logBounded } from "../_boundedLog.ts";
import type { FaultAnswers } from "../faults/_kind.ts";
import type { ActiveFault, FaultTable, Traffic } from "../faults/FaultTable.ts";
import type { HeldRequests } from "../faults/_held.ts";
import { faultedRelay } from "../faults/_socketFault.ts";
import { countedUnlessLeft } from "../faults/_countedUnlessLeft.ts";
import { clientHasLeft } from "../mocks/_clientLeaves.ts";
import { getPlatform } from "../platform.ts";
import type { IPCLogger } from "../types.ts";
import type { JournalRecord } from "./_journalRecord.ts";
import type { FaultLayer, ScopeOf, UpgradeFaultLayer } from "../mocks/_pipeline.ts";
import { isHubPath } from "./_path.ts";
import { pathOf } from "./_path.ts";

export interface FaultedOptions {
  held: HeldRequests;
  /** A JSON answer put in the journal (the HTTP side's `jsonAnswer` + `committed`). */
  answer(status: number, body: unknown, record: JournalRecord | undefined): Response;
  /** Puts an entry that got no HTTP answer in the journal. */
  commit(record: JournalRecord): void;
  logger?: IPCLogger;
}

/**
 * FAULTS as the HTTP pipeline's layer (../mocks/_pipeline.ts reads `size` per request and calls
 * `wrap` only when it is not 0). The hub's own pages and the framework path are never faulted: a
 * `/**` fault must not take away the dashboard that removes it.
 */
export function createFaultLayer(table: FaultTable, options: FaultedOptions): FaultLayer {
  return {
    get size() {
      return table.size;
    },
    wrap(request, record, scopeOf, take) {
      const drawn = lookUp(table, request.method, pathOf(request.url), "http", scopeOf);
      if (!drawn) return take(request);
      const { fault, counted } = drawn;
      const answers = faultAnswers(request, fault, record, options);
      const run = () => faulted(fault, record, options, () => fault.kind.http!(fault.value, { ...answers, take: async () => take(request) }));
      // A remote fault's owner takes the count first (a reset or an answer would reach the test
      // before it); a local fault (`server.fault`, the HTTP API) has nothing to wait for. A client
      // that leaves during that wait ends it, and its fault never starts.
      if (!counted) return run();
      return countedUnlessLeft(counted, request).then((stayed) => (stayed ? run() : leftBeforeFault(fault, record, options)));
    },
  };
}

/**
 * FAULTS as the upgrade pipeline's layer: a kind that refuses upgrades answers the upgrade;
 * a kind that acts on frames wraps the relay of whatever took the socket (a proxied backend or a
 * mock's process), and holds at most `maxBufferedAmount` bytes of delayed frames per socket.
 */
export function createUpgradeFaultLayer(table: FaultTable, options: FaultedOptions & { maxBufferedAmount: number }): UpgradeFaultLayer {
  return {
    get size() {
      return table.size;
    },
    async wrap(request, path, record, scopeOf, take) {
      const drawn = lookUp(table, "GET", path, "websocket", scopeOf);
      if (!drawn) return take(false);
      const { fault, counted } = drawn;
      // As for HTTP: the owner has the count before the upgrade is refused or accepted, and a
      // client that left meanwhile gets nothing started for it.
      if (counted && !(await countedUnlessLeft(counted, request))) return leftBeforeFault(fault, record, options);
      const answers = faultAnswers(request, fault, record, options);
      const upgrade = fault.kind.upgrade;
      if (upgrade) return faulted(fault, record, options, () => upgrade(fault.value, answers));
      // Found for "websocket" traffic: a kind without `upgrade` has `socket`.
      const socketFault = fault.kind.socket!(fault.value);
      const taken = await take(true);
      return "relay" in taken ? { ...taken, relay: faultedRelay(taken.relay, socketFault, options.maxBufferedAmount) } : taken;
    },
  };
}

/** The fault for this request or upgrade (its gate drawn) and its owner's count to wait for, or none; never one for the hub's own paths. */
function lookUp(table: FaultTable, method: string, path: string, traffic: Traffic, scopeOf: ScopeOf): ReturnType<FaultTable["draw"]> {
  if (isHubPath(path)) return undefined;
  // The scope is read only while some scope holds faults (FaultTable.take); `scopeOf` puts what
  // it read in the journal, as a hub without mocks reads it nowhere else (a trace id names a
  // scope only while it is open), and the rules after the faults take it from there.
  return table.draw(method, path, traffic, scopeOf);
}

/** What a kind may answer instead of the take; the journal entry names the fault. */
function faultAnswers(request: Request, fault: ActiveFault, record: JournalRecord | undefined, options: FaultedOptions): FaultAnswers {
  if (record) record.fault = { id: fault.id, kind: fault.kind.name };
  return {
    request,
    answer: (status, body) => options.answer(status, body, record),
    reset: () => reset(request, record, options),
    hold: () => {
      const held = options.held.hold(request, () => options.answer(504, { error: "Fault injected: timeout (let go)" }, record));
      return held ?? Promise.resolve(reset(request, record, options));
    },
    throttle: () => {
      const held = options.held;
      const slot = held.throttle();
      if (slot) return slot;
      const error = `Fault injected: bandwidth, but the hub already slows ${held.max} answers at once (its most): this request was not taken`;
      if (record) record.error = error;
      return options.answer(503, { error }, record);
    },
    delay: async (ms) => {
      if (await options.held.delay(request, ms)) return undefined;
      // Journaled as the proxy journals a client that left (499); at teardown nobody reads it either.
      const left = clientHasLeft(request);
      const error = left ? "The client went away during the latency fault: nothing took the request" : "The hub closed during the latency fault: nothing took the request";
      if (record) record.error = error;
      return options.answer(left ? 499 : 503, { error }, record);
    },
  };
}

/** Journaled as the proxy journals a client that left (499): the fault was drawn and counted, and did not run. */
function leftBeforeFault(fault: ActiveFault, record: JournalRecord | undefined, options: FaultedOptions): Response {
  const error = `The client went away while the hub waited for fault ${fault.id}'s owner to take its count: the fault did not run`;
  if (record) {
    record.fault = { id: fault.id, kind: fault.kind.name };
    record.error = error;
  }
  return options.answer(499, { error }, record);
}

/** Runs a kind on one request; a kind that throws answers 500 naming the fault. */
function faulted(fault: ActiveFault, record: JournalRecord | undefined, options: FaultedOptions, run: () => Response | Promise<Response>): Promise<Response> {
  try {
    return Promise.resolve(run()).catch((error: unknown) => failed(error, fault, record, options));
  } catch (error) {
    return Promise.resolve(failed(error, fault, record, options));
  }
}

function reset(request: Request, record: JournalRecord | undefined, options: FaultedOptions): Response {
  if (record) {
    record.error = "Fault injected: connection reset";
    record.ok = false;
    options.commit(record);
  }
  return getPlatform().resetConnection?.(request) ?? erroringBody();
}

/** Without a runtime hook: the closest a Web server gets, a body that fails before its first byte. */
function erroringBody(): Response {
  return new Response(new ReadableStream({ pull: (controller) => controller.error(new Error("Fault injected: connection reset")) }));
}

function failed(error: unknown, fault: ActiveFault, record: JournalRecord | undefined, options: FaultedOptions): Response {
  logBounded(options.logger, "error", "fault failures", `Fault ${fault.id} (${fault.kind.name}) failed: ${errorMessage(error)}`, error);
  return options.answer(500, { error: `Fault ${fault.id} failed: ${errorMessage(error)}` }, record);
}
