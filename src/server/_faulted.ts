import { errorMessage } from "../errors.ts";
import { log } from "../_log.ts";
import type { HttpFaultContext } from "../faults/_kind.ts";
import type { ActiveFault } from "../faults/FaultTable.ts";
import type { HeldRequests } from "../faults/_held.ts";
import { getPlatform } from "../platform.ts";
import type { IPCLogger } from "../types.ts";
import type { JournalRecord } from "./_journalRecord.ts";
import type { FaultTable } from "../faults/FaultTable.ts";
import type { FaultLayer } from "../mocks/_pipeline.ts";
import { isHubPath } from "../mocks/_pipeline.ts";
import { pathOf } from "./_path.ts";
import type { MockRules } from "../mocks/_rules.ts";
import { requestScope } from "../mocks/_scope.ts";

export interface FaultedOptions {
  held: HeldRequests;
  /** A JSON answer put in the journal (the HTTP side's `jsonAnswer` + `committed`). */
  answer(status: number, body: unknown, record: JournalRecord | undefined): Response;
  /** Puts an entry that got no HTTP answer in the journal. */
  commit(record: JournalRecord): void;
  logger?: IPCLogger;
}

/**
 * FAULTS as the pipeline's layer (../mocks/_pipeline.ts reads `size` per request and calls `wrap`
 * only when it is not 0). The hub's own pages and the framework path are never faulted: a `/**`
 * fault must not take away the dashboard that removes it.
 */
export function createFaultLayer(table: FaultTable, options: FaultedOptions & { mocks: MockRules }): FaultLayer {
  return {
    get size() {
      return table.size;
    },
    wrap(request, record, take) {
      const path = pathOf(request.url);
      if (isHubPath(path)) return take(request);
      const scopeOf = () => requestScope((name) => request.headers.get(name), (id) => options.mocks.hasScope(id));
      const fault = table.take(request.method, path, "http", scopeOf);
      if (!fault) return take(request);
      return faulted(request, fault, record, async () => take(request), options);
    },
  };
}


/**
 * One HTTP request (or WebSocket upgrade) under a fault: its journal entry names the fault, and
 * the fault's kind decides what happens, with `take` handing the request on to whatever would
 * have taken it.
 */
export function faulted(
  request: Request,
  fault: ActiveFault,
  record: JournalRecord | undefined,
  take: () => Promise<Response>,
  options: FaultedOptions,
): Promise<Response> {
  if (record) record.fault = { id: fault.id, kind: fault.kind.name };
  const context: HttpFaultContext = {
    request,
    take,
    answer: (status, body) => options.answer(status, body, record),
    reset: () => reset(request, record, options),
    hold: () => {
      const held = options.held.hold(request, () => options.answer(504, { error: "Fault injected: timeout (let go)" }, record));
      return held ?? Promise.resolve(reset(request, record, options));
    },
  };
  try {
    return Promise.resolve(fault.kind.http!(fault.value, context)).catch((error: unknown) => failed(error, fault, record, options));
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
  log(options.logger, "error", `Fault ${fault.id} (${fault.kind.name}) failed: ${errorMessage(error)}`, error);
  return options.answer(500, { error: `Fault ${fault.id} failed: ${errorMessage(error)}` }, record);
}
