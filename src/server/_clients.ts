import type { Peer } from "crossws";
import { IPCError, errorMessage } from "../errors.ts";
import { IPCSocket, type IPCMessageHandler, type IPCRequestHandler, type IPCSocketTarget } from "../IPCSocket.ts";
import { log } from "../_log.ts";
import { LISTENER_ERRORS, logBounded } from "../_boundedLog.ts";
import { batchFrame, batchScopeOf } from "../_batchScope.ts";
import type { FrameWriter, Platform } from "../platform.ts";
import type { ClientListener, IPCLogger } from "../types.ts";


interface ClientEntry {
  socket: IPCSocket;
  peer: Peer;
  /** When it connected (ms since the epoch), for the dashboard. */
  since: number;
}

/** A connected client as the dashboard lists it. */
export interface ClientInfo {
  clientId: string;
  runtimeId?: string;
  connectedAt: number;
  /** Requests this server sent it that are not answered yet. */
  pending: number;
}

export interface FrameworkClientsOptions {
  logger?: IPCLogger;
  requestTimeout: number;
  /** Bytes queued for one client before it counts as a slow consumer and is dropped. */
  maxBufferedAmount: number;
  /** Connected clients past which new framework connections are refused (503). */
  maxClients: number;
  /** Requests from one client whose handler has not answered yet, past which more are refused (IPCSocket's default without it). */
  maxRequestsInFlight?: number;
  /** Told each request from a client that no handler took (the journal). */
  onUnhandled?: (socket: IPCSocket, path: string) => void;
  /** The runtime's write batching (`Platform.batchWrite`), if it has one. */
  batchWrite?: Platform["batchWrite"];
}

/**
 * The framework connections of one server: an IPCSocket per client, the lookup by
 * runtimeId (newest connection wins) and the connect/disconnect listeners.
 */
export class FrameworkClients {
  /** Shared by every client socket, so handlers added later apply to connected clients. */
  readonly handlers: Map<string, IPCRequestHandler> = new Map();
  readonly messageHandlers: Map<string, IPCMessageHandler> = new Map();
  readonly #byPeer = new Map<Peer, ClientEntry>();
  readonly #byRuntimeId = new Map<string, ClientEntry>();
  readonly #connectListeners: ClientListener[] = [];
  readonly #disconnectListeners: ClientListener[] = [];
  readonly #options: FrameworkClientsOptions;
  #counter = 0;

  constructor(options: FrameworkClientsOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#byPeer.size;
  }

  get maxClients(): number {
    return this.#options.maxClients;
  }

  onConnect(listener: ClientListener): void {
    this.#connectListeners.push(listener);
  }

  onDisconnect(listener: ClientListener): void {
    this.#disconnectListeners.push(listener);
  }

  /**
   * A framework peer finished its upgrade; returns the clientId it was given. Answers go to
   * `writer`: the peer, or the runtime's socket under it (`Platform.directFrames`).
   */
  open(peer: Peer, runtimeId: string | undefined, writer: FrameWriter = peer): string {
    const { logger, maxBufferedAmount } = this.#options;
    const clientId = `client-${++this.#counter}`;
    const clients = this;
    const { batchWrite } = this.#options;
    // Checked after each write so one large answer still goes out whole.
    const dropIfSlow = () => {
      const unsent = writer.bufferedAmount;
      if (unsent > maxBufferedAmount) {
        logBounded(logger, "warn", "slow clients dropped", `Dropping slow client ${clientId}: ${unsent} bytes unread (limit ${maxBufferedAmount})`);
        // A peer that does not read will not read a close frame either: cut it off now. A socket
        // that cannot be cut (`Deno.serve` alone: crossws's terminate calls a method Deno's
        // WebSocket lacks) gets the close frame instead; the throw skipped the close below, and the
        // client stayed registered, answers still queued for it, until Deno's idle timeout (10 s).
        try {
          if (writer.terminate) writer.terminate();
          else dropPeer(peer);
        } catch {
          dropPeer(peer);
        }
        clients.close(peer, 1008, "Slow consumer: too much unread data");
      }
    };
    const target: IPCSocketTarget = {
      send(frame: string) {
        if (batchWrite) batchFrame(batchWrite, writer, frame, false);
        writer.send(frame);
        dropIfSlow();
      },
      close: (code, reason) => {
        // Frames held for the end of the turn (Bun) go before the close frame, not after it.
        writer.flush?.();
        peer.close(code, reason);
      },
      get bufferedAmount() {
        return writer.bufferedAmount;
      },
    };
    if (writer.sendParts) {
      target.sendParts = (head, json, tail) => {
        if (batchWrite) batchWrite(writer, head.length + json.length + tail.length, batchScopeOf(head, false));
        writer.sendParts!(head, json, tail);
        dropIfSlow();
      };
    }
    const socket = new IPCSocket(
      target,
      {
        clientId,
        runtimeId,
        requestHandlers: this.handlers,
        messageHandlers: this.messageHandlers,
        requestTimeout: this.#options.requestTimeout,
        maxRequestsInFlight: this.#options.maxRequestsInFlight,
        logger,
        attach: false,
        onUnhandled: this.#options.onUnhandled && ((path) => this.#options.onUnhandled!(socket, path)),
      },
    );
    const entry: ClientEntry = { socket, peer, since: Date.now() };
    this.#byPeer.set(peer, entry);
    if (runtimeId) this.#byRuntimeId.set(runtimeId, entry);
    log(logger, "debug", `Client connected: ${clientId}${runtimeId ? ` (runtimeId: ${runtimeId})` : ""}`);
    this.#notify(this.#connectListeners, clientId, runtimeId);
    return clientId;
  }

  /** Every connected client, oldest first. */
  list(): ClientInfo[] {
    return [...this.#byPeer.values()].map(({ socket, since }) => ({
      clientId: socket.clientId!,
      runtimeId: socket.runtimeId,
      connectedAt: since,
      pending: socket.pendingCount,
    }));
  }

  /** The clientId of the connection that owns `runtimeId` now. */
  clientIdOf(runtimeId: string): string | undefined {
    return this.#byRuntimeId.get(runtimeId)?.socket.clientId;
  }

  /** An incoming text frame from a framework peer. */
  receive(peer: Peer, frame: string): void {
    this.#byPeer.get(peer)?.socket.receive(frame);
  }

  /** The peer's connection ended (close frame, dead socket or error). Idempotent. */
  close(peer: Peer, code?: number, reason?: string): void {
    const entry = this.#byPeer.get(peer);
    if (!entry) return;
    this.#byPeer.delete(peer);
    const { clientId, runtimeId } = entry.socket;
    // Only the newest connection of a runtimeId owns the name: an older one closing keeps it.
    if (runtimeId && this.#byRuntimeId.get(runtimeId) === entry) this.#byRuntimeId.delete(runtimeId);
    entry.socket.handleClose(code, reason);
    log(this.#options.logger, "debug", `Client disconnected: ${clientId}`);
    this.#notify(this.#disconnectListeners, clientId!, runtimeId);
  }

  request<T>(runtimeId: string, path: string, payload: unknown, timeoutMs?: number): Promise<T> {
    const entry = this.#byRuntimeId.get(runtimeId);
    if (!entry) {
      return Promise.reject(new IPCError("ERR_IPC_NO_CLIENT", `No client connected with runtimeId: ${runtimeId}`));
    }
    return entry.socket.request<T>(path, payload, timeoutMs);
  }

  send(runtimeId: string, path: string, payload: unknown): void {
    const entry = this.#byRuntimeId.get(runtimeId);
    if (!entry) throw new IPCError("ERR_IPC_NO_CLIENT", `No client connected with runtimeId: ${runtimeId}`);
    entry.socket.send(path, payload);
  }

  /** Fire-and-forget to every connected client. */
  broadcast(path: string, payload: unknown): void {
    for (const entry of this.#byPeer.values()) {
      if (entry.socket.isConnected()) entry.socket.send(path, payload);
    }
  }

  /** Closes every client; their pending requests reject. */
  closeAll(code: number, reason: string): Peer[] {
    const peers = [...this.#byPeer.keys()];
    for (const peer of peers) {
      // Closed from this side, so pending requests fail with the original's "Socket teardown".
      this.#byPeer.get(peer)?.socket.close(code, reason);
      this.close(peer, code, reason);
    }
    return peers;
  }

  #notify(listeners: ClientListener[], clientId: string, runtimeId?: string): void {
    for (const listener of listeners) {
      try {
        const result = listener(clientId, runtimeId) as unknown;
        if (result instanceof Promise) result.catch((error) => logBounded(this.#options.logger, "error", LISTENER_ERRORS, `Client listener failed: ${errorMessage(error)}`, error));
      } catch (error) {
        // Bounded: a peer connects and leaves at will, and each time runs these listeners.
        logBounded(this.#options.logger, "error", LISTENER_ERRORS, `Client listener failed: ${errorMessage(error)}`, error);
      }
    }
  }
}

/**
 * Ends a connection without a closing handshake where the runtime can; where it cannot (`Deno.serve`
 * alone: crossws's terminate throws), a close frame with the caller's code and reason (the client
 * of a proxied WebSocket or of a WebSocket mock hears 1013, not a framework client's 1008).
 */
export function dropPeer(peer: Peer, code = 1008, reason = "Slow consumer"): void {
  try {
    peer.terminate();
  } catch {
    try {
      peer.close(code, reason);
    } catch {
      // Already gone.
    }
  }
}
