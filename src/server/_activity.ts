import { errorMessage } from "../errors.ts";
import { excerpt } from "../_excerpt.ts";
import type { IPCRequestHandler, IPCSocket } from "../IPCSocket.ts";
import { HEARTBEAT_PATH } from "../client/_address.ts";
import type { Journal } from "./journal.ts";
import type { JournalRecord } from "./_journalRecord.ts";

/** Requests a client sent this server (`in`) and this server sent it (`out`). */
export interface ClientTraffic {
  in: number;
  out: number;
}

/**
 * Framework requests both ways: counted per client for the dashboard, and journaled (path,
 * client, duration, ok or error) when the journal is on.
 */
export class FrameworkActivity {
  readonly #traffic = new Map<string, ClientTraffic>();
  readonly #journal: Journal | undefined;

  constructor(journal: Journal | undefined) {
    this.#journal = journal;
  }

  traffic(clientId: string): ClientTraffic {
    return this.#traffic.get(clientId) ?? { in: 0, out: 0 };
  }

  forget(clientId: string): void {
    this.#traffic.delete(clientId);
  }

  /** Wraps a server-side request handler so each request it answers is counted and journaled. */
  incoming(path: string, handler: IPCRequestHandler): IPCRequestHandler {
    return (data, socket) => {
      const clientId = socket.clientId!;
      this.#count(clientId).in++;
      const journal = this.#journal;
      if (!journal) return handler(data, socket);
      const record = journal.begin("framework", path);
      record.takenBy = "framework";
      record.direction = "in";
      record.clientId = clientId;
      record.runtimeId = socket.runtimeId;
      if (record.bodies) record.setBody("request", json(data));
      return settle(journal, record, () => handler(data, socket));
    };
  }

  /** Journals a request from a client that no handler took (it was answered "No handler for"). */
  unhandled(socket: IPCSocket, path: string): void {
    // The client heartbeat asks a path nobody handles on purpose: it would fill the journal.
    if (path === HEARTBEAT_PATH) return;
    const clientId = socket.clientId!;
    this.#count(clientId).in++;
    const journal = this.#journal;
    if (!journal) return;
    // The name is the client's choice, as long as a whole message: the journal bounds its
    // entries, not their size (20 requests named with 20 MB each held 600 MiB for good).
    const name = excerpt(path);
    const record = journal.begin("framework", name);
    record.takenBy = "none";
    record.direction = "in";
    record.clientId = clientId;
    record.runtimeId = socket.runtimeId;
    record.ok = false;
    record.error = `No handler for: ${name}`;
    journal.commit(record);
  }

  /** Counts and journals a request this server sends to a client. */
  outgoing<T>(path: string, clientId: string | undefined, runtimeId: string, payload: unknown, send: () => Promise<T>): Promise<T> {
    if (clientId) this.#count(clientId).out++;
    const journal = this.#journal;
    if (!journal) return send();
    const record = journal.begin("framework", path);
    record.takenBy = "framework";
    record.direction = "out";
    record.clientId = clientId;
    record.runtimeId = runtimeId;
    if (record.bodies) record.setBody("request", json(payload));
    return settle(journal, record, send) as Promise<T>;
  }

  #count(clientId: string): ClientTraffic {
    let traffic = this.#traffic.get(clientId);
    if (!traffic) this.#traffic.set(clientId, (traffic = { in: 0, out: 0 }));
    return traffic;
  }
}

/** Runs `fn` and commits the record when it settles, passing its result or error through. */
function settle(journal: Journal, record: JournalRecord, fn: () => unknown): unknown {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return failed(journal, record, error);
  }
  if (!(result instanceof Promise)) return succeeded(journal, record, result);
  return result.then(
    (value) => succeeded(journal, record, value),
    (error) => failed(journal, record, error),
  );
}

function succeeded(journal: Journal, record: JournalRecord, result: unknown): unknown {
  if (record.bodies && result !== undefined) record.setBody("response", json(result));
  journal.commit(record);
  return result;
}

function failed(journal: Journal, record: JournalRecord, error: unknown): never {
  record.ok = false;
  // A handler's error can quote what the client sent (a rule's 20 MB `kind`), and a client's
  // answer to this server's request can say anything: kept bounded, as the name is.
  record.error = excerpt(errorMessage(error));
  journal.commit(record);
  throw error;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}
