import type { Hooks, Peer } from "crossws";
import { errorMessage } from "../errors.ts";
import { log, logOnce } from "../_log.ts";
import { logBounded } from "../_boundedLog.ts";
import { warnRefusal } from "./_refusalLog.ts";
import { unrefTimeout } from "../_timers.ts";
import { utf8Length } from "../_utf8.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { Platform, ProxiedConnection, WebSocketConstructor } from "../platform.ts";
import type { IPCLogger, ProxyResolver } from "../types.ts";
import type { FrameworkClients } from "./_clients.ts";
import { checkFrameworkAccess, type GuardOptions } from "./_guard.ts";
import { refuseUpgrade } from "./_admission.ts";
import { joinTarget, resolveTarget } from "./_http.ts";
import { createUpgradeFaultLayer } from "./_faulted.ts";
import type { FaultTable } from "../faults/FaultTable.ts";
import type { HeldRequests } from "../faults/_held.ts";
import { jsonResponse } from "./_json.ts";
import { UpstreamRelay } from "./_wsProxy.ts";
import type { Journal } from "./journal.ts";
import { withoutToken, type JournalRecord, type JournalTakenBy } from "./_journalRecord.ts";
import { LOG_REDACTION, redactUrl } from "./_redact.ts";
import { loopAnswer, loopMessage } from "./_selfTarget.ts";
import { viaForwarded, viaHolds, viaLoopAnswer, viaLoopMessage } from "./_via.ts";
import { createUpgradePipeline, type SocketRelay, type UpgradeOutcome } from "../mocks/_pipeline.ts";
import type { MockRules } from "../mocks/_rules.ts";

export interface WebSocketState {
  readonly clients: FrameworkClients;
  /** WebSocket rules from other processes: steps (1) and (2) of the order (../mocks/_pipeline.ts). */
  readonly mocks: MockRules;
  readonly resolver: ProxyResolver | undefined;
  /** Whether a proxy target (the resolver's base URL) sends the request back to this hub (./_selfTarget.ts). */
  readonly loopsBack: (target: string) => boolean;
  /** This hub's `Via` entry (./_via.ts): added to what it forwards; an upgrade that holds it already has looped. */
  readonly via: string;
  readonly guard: GuardOptions;
  readonly WebSocket: WebSocketConstructor;
  readonly maxMessageSize: number;
  /** Unread bytes a proxied WebSocket may hold on either side before both are closed (1013). */
  readonly maxBufferedAmount: number;
  readonly upstreamConnectTimeout: number;
  readonly relays: Set<ProxiedConnection>;
  readonly pipeUpgrade?: Platform["pipeUpgrade"];
  readonly directFrames?: Platform["directFrames"];
  readonly dialRefusal?: Platform["dialRefusal"];
  /** Refusals already logged, shared with the HTTP side: each is said once (see `logOnce`). */
  readonly refusalsSaid: Set<string>;
  readonly logger?: IPCLogger;
  /** Records each upgrade; absent when the journal is off. */
  readonly journal?: Journal;
  /** Faults (`server.fault`): looked up only while there is one. */
  readonly faults: FaultTable;
  readonly held: HeldRequests;
}

/** What the upgrade decided, kept on the peer's context. */
interface PeerRole {
  ipc?: { runtimeId?: string; record?: JournalRecord };
  /** A proxied socket's backend, or the WebSocket rule that took the upgrade. */
  upstream?: SocketRelay;
}

/**
 * crossws hooks: the framework path becomes an IPC client; any other path is proxied to what
 * the route resolver names, or refused.
 */
export function createWebSocketHooks(state: WebSocketState): Partial<Hooks> {
  const role = (peer: Peer) => peer.context as PeerRole;
  // The order of the steps (faults, mocks, services, refusal) is ../mocks/_pipeline.ts.
  const takeUpgrade = createUpgradePipeline({
    mocks: state.mocks,
    // FAULTS refuse the upgrade or act on the socket's frames (./_faulted.ts).
    faults: createUpgradeFaultLayer(state.faults, {
      held: state.held,
      maxBufferedAmount: state.maxBufferedAmount,
      answer: (status, body, record) => {
        // The fault layer may have named why (a client that left during the count): kept, as the HTTP side keeps it.
        finish(state, record, status, "none", record?.error);
        return jsonResponse(status, body);
      },
      commit: (record) => state.journal?.commit(record),
      logger: state.logger,
    }),
    answered: (rule, record, taken) => {
      if (record) {
        record.route = `${rule.method} ${rule.path}`;
        record.rule = rule.id;
      }
      finish(state, record, taken instanceof Response ? taken.status : 101, rule.takenBy);
      return taken;
    },
    fallThrough: (request, path, record, framed) => proxyUpgrade(state, request, path, record, framed),
  });
  /** Relays whose client has not opened yet, and the timer that ends them if it never does. */
  const unopened = new WeakMap<SocketRelay, ReturnType<typeof setTimeout>>();
  return {
    async upgrade(request) {
      const refused = refuseUpgrade(request, state); if (refused) return refused;
      const url = new URL(request.url);
      // The framework path's token is cut now; any other secret is redacted when entries are read.
      const path = url.pathname + url.search;
      const record = state.journal?.begin("websocket", url.pathname === INTERNAL_SOCKET_PATH ? withoutToken(path) : path);
      if (record) {
        record.method = request.method;
        record.requestHeaders = request.headers;
      }
      if (url.pathname === INTERNAL_SOCKET_PATH) {
        const refusal = checkFrameworkAccess(request, url, state.guard);
        if (refusal) {
          warnRefusal(state.logger, `Framework connection refused: ${refusal.message}`);
          finish(state, record, refusal.status, "refused", refusal.message);
          return jsonResponse(refusal.status, { error: refusal.message });
        }
        // Committed at `open`, once the connection has its clientId.
        return { context: { ipc: { runtimeId: url.searchParams.get("runtimeId") || undefined, record } } satisfies PeerRole };
      }
      // Any other path goes down the order of ../mocks/_pipeline.ts (faults, mocks, services, refusal).
      const outcome = await takeUpgrade(request, url.pathname, record);
      if (outcome instanceof Response || !("relay" in outcome)) return outcome;
      const relay = outcome.relay;
      state.relays.add(relay);
      // A client that leaves before its upgrade completes never opens, and nothing else would end
      // what was dialled or taken for it (a backend stayed connected per such client on Bun and
      // Deno): it has as long to open as a backend has to accept.
      unopened.set(
        relay,
        unrefTimeout(() => {
          state.relays.delete(relay);
          relay.clientClosed(1001, "The client did not complete its upgrade");
        }, state.upstreamConnectTimeout),
      );
      return { headers: outcome.headers, context: { upstream: relay } satisfies PeerRole };
    },

    open(peer) {
      const { ipc, upstream } = role(peer);
      if (ipc) {
        // Where the runtime can, the frames skip crossws from here on; either way they meet in `frameworkMessage`.
        // Unread past `maxBufferedAmount` plus one message (a slow consumer and its last message): the
        // most a writer that also carries the runtime server's own frames (pongs) may queue for it.
        const writer = state.directFrames?.(peer, (data) => frameworkMessage(state, peer, data), state.maxBufferedAmount + state.maxMessageSize, state.maxMessageSize);
        const clientId = state.clients.open(peer, ipc.runtimeId, writer);
        const record = ipc.record;
        if (record) {
          record.clientId = clientId;
          record.runtimeId = ipc.runtimeId;
          record.status = 101;
          record.takenBy = "framework";
          state.journal!.commit(record);
          ipc.record = undefined;
        }
      } else if (upstream) {
        clearTimeout(unopened.get(upstream));
        upstream.attach(peer);
      }
    },

    message(peer, message) {
      const raw = message.rawData as string | ArrayBuffer | Uint8Array;
      const { upstream } = role(peer);
      if (upstream) {
        upstream.fromClient(typeof raw === "string" || raw instanceof ArrayBuffer ? raw : message.uint8Array());
        return;
      }
      frameworkMessage(state, peer, raw);
    },

    close(peer, details) {
      const { upstream } = role(peer);
      if (upstream) {
        state.relays.delete(upstream);
        upstream.clientClosed(details.code, details.reason);
      } else {
        state.clients.close(peer, details.code, details.reason);
      }
    },

    error(peer, error) {
      log(state.logger, "debug", `WebSocket error: ${errorMessage(error)}`);
      const { upstream } = role(peer);
      if (upstream) {
        state.relays.delete(upstream);
        upstream.clientClosed(1011, "Client connection error");
      } else {
        state.clients.close(peer, 1006, "Connection error");
      }
    },
  };
}

/** One message from a framework client, through crossws's hook or straight off the runtime's socket. */
function frameworkMessage(state: WebSocketState, peer: Peer, raw: string | ArrayBuffer | Uint8Array): void {
  if (typeof raw !== "string") {
    logBounded(state.logger, "warn", "binary frames ignored", "Binary frame ignored on the framework connection: the IPC protocol uses text frames");
    return;
  }
  // The runtime's own limit is the larger proxy one (it is server-wide), and Deno has none.
  if (raw.length * 3 > state.maxMessageSize && utf8Length(raw) > state.maxMessageSize) {
    logBounded(state.logger, "warn", "oversized framework messages", `Framework message over the ${state.maxMessageSize}-byte limit: closing that connection`);
    peer.close(1009, "Message too big");
    return;
  }
  state.clients.receive(peer, raw);
}

/** Puts an upgrade's entry in the journal with how it ended. */
function finish(state: WebSocketState, record: JournalRecord | undefined, status: number, takenBy: JournalTakenBy, error?: string): void {
  if (!record) return;
  record.status = status;
  record.takenBy = takenBy;
  record.error = error;
  state.journal!.commit(record);
}

/**
 * (4) of the order for an upgrade: the service the proxy resolver names, dialled before the
 * client is accepted (so it gets the backend's subprotocol, or the backend's refusal); (5) a 404
 * without one. `framed`: a fault acts on the frames, so no byte pipe (`pipeUpgrade`).
 */
async function proxyUpgrade(state: WebSocketState, request: Request, pathname: string, record: JournalRecord | undefined, framed: boolean): Promise<UpgradeOutcome> {
  const resolved = resolveTarget(state, pathname);
  if ("error" in resolved) {
    finish(state, record, 500, "none", resolved.error);
    return jsonResponse(500, resolved);
  }
  if (!resolved.target) {
    finish(state, record, 404, "none");
    return jsonResponse(404, { error: `No WebSocket route for ${pathname}` });
  }
  const targetUrl = joinTarget(resolved.target, request.url);
  if (record) record.target = targetUrl;
  if (state.loopsBack(resolved.target)) {
    finish(state, record, 508, "proxy", loopMessage(targetUrl));
    return jsonResponse(508, loopAnswer(targetUrl));
  }
  const incomingVia = request.headers.get("via");
  if (incomingVia !== null && viaHolds(incomingVia, state.via)) {
    finish(state, record, 508, "proxy", viaLoopMessage(targetUrl));
    return jsonResponse(508, viaLoopAnswer(targetUrl));
  }
  const via = viaForwarded(incomingVia, state.via);
  const refusal = state.dialRefusal?.(targetUrl);
  if (refusal) {
    logOnce(state.logger, state.refusalsSaid, refusal, "warn", `WebSocket proxy to ${redactUrl(targetUrl, LOG_REDACTION)} refused (502): ${refusal} (said once: every request to it gets this 502)`);
    finish(state, record, 502, "proxy", refusal);
    return jsonResponse(502, { error: `WebSocket proxy: ${redactUrl(targetUrl, LOG_REDACTION)}: ${refusal}` });
  }
  const options = {
    connectTimeout: state.upstreamConnectTimeout,
    via,
    connections: state.relays,
    onAnswer: (status: number) => finish(state, record, status, "proxy"),
  };
  if (!framed && (await state.pipeUpgrade?.(request, targetUrl, options))) return { handled: true };
  try {
    const upstream = await UpstreamRelay.connect(state.WebSocket, targetUrl, request, via, state.upstreamConnectTimeout, state.maxBufferedAmount);
    finish(state, record, 101, "proxy");
    return { relay: upstream, headers: upstream.protocol ? { "sec-websocket-protocol": upstream.protocol } : undefined };
  } catch (error) {
    const message = redactUrl(errorMessage(error), LOG_REDACTION)!;
    logBounded(state.logger, "warn", "WebSocket proxy failures", message);
    finish(state, record, 502, "proxy", errorMessage(error));
    return jsonResponse(502, { error: message });
  }
}
