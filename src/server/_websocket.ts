import type { Hooks, Peer } from "crossws";
import { errorMessage } from "../errors.ts";
import { log } from "../_log.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { Platform, ProxiedConnection, WebSocketConstructor } from "../platform.ts";
import type { IPCLogger, ProxyResolver } from "../types.ts";
import type { FrameworkClients } from "./_clients.ts";
import { checkFrameworkAccess, type GuardOptions } from "./_guard.ts";
import { joinTarget, resolveTarget } from "./_http.ts";
import { jsonResponse } from "./_json.ts";
import { UpstreamRelay } from "./_wsProxy.ts";

export interface WebSocketState {
  readonly clients: FrameworkClients;
  readonly resolver: ProxyResolver | undefined;
  readonly guard: GuardOptions;
  readonly WebSocket: WebSocketConstructor;
  readonly maxMessageSize: number;
  readonly upstreamConnectTimeout: number;
  readonly relays: Set<ProxiedConnection>;
  readonly pipeUpgrade?: Platform["pipeUpgrade"];
  readonly logger?: IPCLogger;
}

/** What the upgrade decided, kept on the peer's context. */
interface PeerRole {
  ipc?: { runtimeId?: string };
  upstream?: UpstreamRelay;
}

/**
 * crossws hooks: the framework path becomes an IPC client; any other path is proxied to what
 * the route resolver names, or refused.
 */
export function createWebSocketHooks(state: WebSocketState): Partial<Hooks> {
  const role = (peer: Peer) => peer.context as PeerRole;
  return {
    async upgrade(request) {
      const url = new URL(request.url);
      if (url.pathname === INTERNAL_SOCKET_PATH) {
        const refusal = checkFrameworkAccess(request, url, state.guard);
        if (refusal) {
          log(state.logger, "warn", `Framework connection refused: ${refusal.message}`);
          return jsonResponse(refusal.status, { error: refusal.message });
        }
        return { context: { ipc: { runtimeId: url.searchParams.get("runtimeId") || undefined } } satisfies PeerRole };
      }
      const resolved = resolveTarget(state, url.pathname);
      if ("error" in resolved) return jsonResponse(500, resolved);
      if (!resolved.target) return jsonResponse(404, { error: `No WebSocket route for ${url.pathname}` });
      const targetUrl = joinTarget(resolved.target, request.url);
      const options = { connectTimeout: state.upstreamConnectTimeout, connections: state.relays };
      if (await state.pipeUpgrade?.(request, targetUrl, options)) return { handled: true };
      try {
        const upstream = await UpstreamRelay.connect(state.WebSocket, targetUrl, request, state.upstreamConnectTimeout);
        state.relays.add(upstream);
        return {
          headers: upstream.protocol ? { "sec-websocket-protocol": upstream.protocol } : undefined,
          context: { upstream } satisfies PeerRole,
        };
      } catch (error) {
        log(state.logger, "warn", errorMessage(error));
        return jsonResponse(502, { error: errorMessage(error) });
      }
    },

    open(peer) {
      const { ipc, upstream } = role(peer);
      if (ipc) state.clients.open(peer, ipc.runtimeId);
      else upstream?.attach(peer);
    },

    message(peer, message) {
      const raw = message.rawData as string | ArrayBuffer | Uint8Array;
      const { upstream } = role(peer);
      if (upstream) {
        upstream.fromClient(typeof raw === "string" || raw instanceof ArrayBuffer ? raw : message.uint8Array());
        return;
      }
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

const encoder = new TextEncoder();

/** UTF-8 byte length, only computed for frames that might be over the limit. */
function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}
