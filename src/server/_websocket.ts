import type { Hooks, Peer } from "crossws";
import { errorMessage } from "../errors.ts";
import { log } from "../_log.ts";
import { utf8Length } from "../_utf8.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { Platform, ProxiedConnection, WebSocketConstructor } from "../platform.ts";
import type { IPCLogger, ProxyResolver } from "../types.ts";
import type { FrameworkClients } from "./_clients.ts";
import { checkFrameworkAccess, type GuardOptions } from "./_guard.ts";
import { refuseUpgrade } from "./_admission.ts";
import { joinTarget, resolveTarget } from "./_http.ts";
import { faulted } from "./_faulted.ts";
import type { FaultTable } from "../faults/FaultTable.ts";
import type { HeldRequests } from "../faults/_held.ts";
import { jsonResponse } from "./_json.ts";
import { UpstreamRelay } from "./_wsProxy.ts";
import type { Journal } from "./journal.ts";
import { withoutToken, type JournalRecord, type JournalTakenBy } from "./_journalRecord.ts";
import { isHubPath, takeUpgrade, type SocketRelay } from "../mocks/_pipeline.ts";
import { requestScope } from "../mocks/_scope.ts";
import { faultedRelay } from "../faults/_socketFault.ts";
import type { MockRules } from "../mocks/_rules.ts";

export interface WebSocketState {
  readonly clients: FrameworkClients;
  /** WebSocket rules from other processes: steps (1) and (2) of the order (../mocks/_pipeline.ts). */
  readonly mocks: MockRules;
  readonly resolver: ProxyResolver | undefined;
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
      const done = (status: number, takenBy: JournalTakenBy, error?: string) => {
        if (!record) return;
        record.status = status;
        record.takenBy = takenBy;
        record.error = error;
        state.journal!.commit(record);
      };
      if (url.pathname === INTERNAL_SOCKET_PATH) {
        const refusal = checkFrameworkAccess(request, url, state.guard);
        if (refusal) {
          log(state.logger, "warn", `Framework connection refused: ${refusal.message}`);
          done(refusal.status, "refused", refusal.message);
          return jsonResponse(refusal.status, { error: refusal.message });
        }
        // Committed at `open`, once the connection has its clientId.
        return { context: { ipc: { runtimeId: url.searchParams.get("runtimeId") || undefined, record } } satisfies PeerRole };
      }
      // FAULTS wrap whatever takes the upgrade (mocked sockets get the upgrade kinds and `close`).
      const fault =
        state.faults.size === 0 || isHubPath(url.pathname)
          ? undefined
          : state.faults.take("GET", url.pathname, "websocket", () => requestScope((name) => request.headers.get(name), (id) => state.mocks.hasScope(id)));
      if (fault?.kind.upgrade) {
        // status, reset, timeout: the upgrade itself is answered so.
        return faulted(request, fault, record, () => Promise.reject(new Error("unreachable")), {
          held: state.held,
          answer: (status, body) => {
            done(status, "none");
            return jsonResponse(status, body);
          },
          commit: (entry) => state.journal?.commit(entry),
          logger: state.logger,
        });
      }
      if (fault && record) record.fault = { id: fault.id, kind: fault.kind.name };
      const socketFault = fault?.kind.socket?.(fault.value);
      // (1) and (2) of the order: WebSocket rules of the request's scope, then unscoped ones.
      const mocked = state.mocks.size === 0 ? undefined : await takeUpgrade(request, url.pathname, state.mocks, record);
      if (mocked) {
        if (record) {
          record.takenBy = mocked.rule.takenBy;
          record.route = `${mocked.rule.method} ${mocked.rule.path}`;
          record.rule = mocked.rule.id;
        }
        if (mocked.taken instanceof Response) {
          done(mocked.taken.status, mocked.rule.takenBy);
          return mocked.taken;
        }
        const relay = socketFault ? faultedRelay(mocked.taken.relay, socketFault) : mocked.taken.relay;
        state.relays.add(relay);
        done(101, mocked.rule.takenBy);
        return { headers: mocked.taken.headers, context: { upstream: relay } satisfies PeerRole };
      }
      // (3) the hub has no WebSocket intercept routes; (4) services and the proxy resolver, (5) refused.
      const resolved = resolveTarget(state, url.pathname);
      if ("error" in resolved) {
        done(500, "none", resolved.error);
        return jsonResponse(500, resolved);
      }
      if (!resolved.target) {
        done(404, "none");
        return jsonResponse(404, { error: `No WebSocket route for ${url.pathname}` });
      }
      const targetUrl = joinTarget(resolved.target, request.url);
      if (record) record.target = targetUrl;
      const options = {
        connectTimeout: state.upstreamConnectTimeout,
        connections: state.relays,
        onAnswer: (status: number) => done(status, "proxy"),
      };
      const refusal = state.dialRefusal?.(targetUrl);
      if (refusal) {
        log(state.logger, "warn", `WebSocket proxy to ${targetUrl}: ${refusal}`);
        done(502, "proxy", refusal);
        return jsonResponse(502, { error: `WebSocket proxy: ${targetUrl}: ${refusal}` });
      }
      // A byte pipe cannot see frames: a socket under a fault is relayed message by message.
      if (!socketFault && (await state.pipeUpgrade?.(request, targetUrl, options))) return { handled: true };
      try {
        const upstream = await UpstreamRelay.connect(state.WebSocket, targetUrl, request, state.upstreamConnectTimeout, state.maxBufferedAmount);
        const relay = socketFault ? faultedRelay(upstream, socketFault) : upstream;
        state.relays.add(relay);
        done(101, "proxy");
        return {
          headers: upstream.protocol ? { "sec-websocket-protocol": upstream.protocol } : undefined,
          context: { upstream: relay } satisfies PeerRole,
        };
      } catch (error) {
        log(state.logger, "warn", errorMessage(error));
        done(502, "proxy", errorMessage(error));
        return jsonResponse(502, { error: errorMessage(error) });
      }
    },

    open(peer) {
      const { ipc, upstream } = role(peer);
      if (ipc) {
        // Where the runtime can, the frames skip crossws from here on; either way they meet in `frameworkMessage`.
        const writer = state.directFrames?.(peer, (data) => frameworkMessage(state, peer, data));
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
      } else upstream?.attach(peer);
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
    log(state.logger, "warn", "Binary frame ignored on the framework connection: the IPC protocol uses text frames");
    return;
  }
  // The runtime's own limit is the larger proxy one (it is server-wide), and Deno has none.
  if (raw.length * 3 > state.maxMessageSize && utf8Length(raw) > state.maxMessageSize) {
    log(state.logger, "warn", `Framework message over the ${state.maxMessageSize}-byte limit: closing that connection`);
    peer.close(1009, "Message too big");
    return;
  }
  state.clients.receive(peer, raw);
}
