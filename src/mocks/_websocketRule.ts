/**
 * The hub side of `interceptWebSocket`: a rule of kind `websocket` takes an upgrade by asking the
 * process that added it (`SocketMessages.open`); once accepted, the hub holds the client's socket
 * and relays its frames to that process and back. A socket ends when either side closes it, when
 * the process's connection goes (1011 to the client), when its rule leaves the hub (removed, or its
 * scope closed: 1001) or at teardown (1001).
 */
import type { Peer } from "crossws";
import { errorMessage } from "../errors.ts";
import { ownerFailure } from "./_ownerFailure.ts";
import type { IPCSocket } from "../IPCSocket.ts";
import { logBounded } from "../_boundedLog.ts";
import type { FrameworkClients } from "../server/_clients.ts";
import { dropPeer } from "../server/_clients.ts";
import { jsonResponse } from "../server/_json.ts";
import { getPlatform } from "../platform.ts";
import { isSendableCloseCode, MAX_CLOSE_REASON_BYTES } from "../_closeCode.ts";
import { utf8Length } from "../_utf8.ts";
import { heldFrameSize } from "../_heldFrame.ts";
import { ruleFactories, type RuleOwner } from "./_hub.ts";
import type { SocketRelay, UpgradeTaken } from "./_pipeline.ts";
import { PASS, type Pass, type Rule, type TakeContext } from "./_rule.ts";
import { fromBase64, headerPairs } from "./_wire.ts";
import { toBase64 } from "../_base64.ts";
import { SocketMessages, type SocketClose, type SocketFrame, type SocketOpen } from "./_wsWire.ts";
import { chooseProtocol } from "./_subprotocol.ts";

type Frame = string | ArrayBuffer | Uint8Array;

/** Sockets taken by a mock, by the hub's id (unique in this process, whatever the server). */
const sockets = new Map<number, MockedSocket>();
let lastSocket = 0;

/** Why a socket ends when its rule leaves the hub while the rule's process stays. */
const RULE_GONE = "The WebSocket mock was removed";

ruleFactories.set("websocket", (spec, owner, hub): Rule => {
  /** The sockets this rule took that are still open. */
  const taken = new Set<MockedSocket>();
  const rule: Rule = {
    id: hub.id,
    scope: spec.scope,
    kind: "websocket",
    method: "GET",
    path: spec.path,
    owner: owner.clientId,
    calls: 0,
    takenBy: "mock",
    // A WebSocket rule is found only for upgrades (MockRules.findUpgrade); a plain request goes on.
    take: () => PASS,
    async upgrade(context: TakeContext, params: Record<string, string>): Promise<UpgradeTaken | Response | Pass> {
      const id = ++lastSocket;
      const open: SocketOpen = {
        ref: spec.ref as number,
        socket: id,
        url: context.request.url,
        headers: headerPairs(context.request.headers),
        params,
        scope: context.scope,
      };
      const socket = new MockedSocket(id, owner, hub.maxMessageSize, hub.maxBufferedAmount, taken);
      sockets.set(id, socket);
      let answer: { accept?: boolean; pass?: boolean; error?: string; protocol?: string | null };
      try {
        answer = await owner.socket.request(SocketMessages.open, open, hub.proxyTimeout);
      } catch (error) {
        sockets.delete(id);
        const { status, what } = ownerFailure(error, hub.proxyTimeout);
        const message = `WebSocket mock ${rule.id} (${rule.path}) ${what}`;
        logBounded(hub.logger, "warn", "WebSocket mock failures", message);
        // A handler still at work (past proxyTimeout) would take a socket the hub no longer
        // holds: it stayed open in the test's process, every frame it sent dropped without a
        // word. Told now, its socket ends there (onClose, `send` refused), as the client's did.
        safely(() => owner.socket.send(SocketMessages.closed, { socket: id, code: 1011, reason: `${status}: ${what}` } satisfies SocketClose));
        return jsonResponse(status, { error: message });
      }
      if (answer?.accept === true) {
        taken.add(socket);
        // The mock's choice (its `protocols` option), if it is one the client offered; without one (a
        // process of an older crossipc), the first offered.
        const offered = context.request.headers.get("sec-websocket-protocol");
        const chosen = answer.protocol;
        const protocol = chosen === undefined ? chooseProtocol(offered, undefined) : typeof chosen === "string" ? chooseProtocol(offered, [chosen]) : null;
        return { relay: socket, headers: protocol === null ? undefined : { "sec-websocket-protocol": protocol } };
      }
      sockets.delete(id);
      if (answer?.pass === true) return PASS;
      return jsonResponse(500, { error: String(answer?.error ?? "The WebSocket mock refused the socket") });
    },
    // A test's scope closed (or the rule removed) while the app under test held a socket it took:
    // the socket stayed open, its frames going to the closed test's handler until that process
    // ended, and an app that reconnects only when its socket closes never met the next test's
    // mock. It ends now, as the rule's other takes would (1001, going away: the client may
    // reconnect). When the process itself went, `ownerGone` ends them with 1011 instead.
    dispose() {
      if (!owner.socket.isConnected()) return;
      for (const socket of [...taken]) socket.ruleGone();
    },
  };
  return rule;
});

/** Handles what the rules' processes send for their sockets, and ends them when a process goes. */
export function installWebSocketMocks(clients: FrameworkClients): void {
  clients.messageHandlers.set(SocketMessages.send, (data: SocketFrame, from) => sockets.get(data?.socket)?.fromOwner(from, data));
  clients.messageHandlers.set(SocketMessages.close, (data: SocketClose, from) => sockets.get(data?.socket)?.closeFromOwner(from, data));
  clients.onDisconnect((clientId) => {
    for (const socket of [...sockets.values()]) if (socket.owner.clientId === clientId) socket.ownerGone();
  });
}

/** One client socket a mock took: a `SocketRelay` the hub's WebSocket hooks drive. */
class MockedSocket implements SocketRelay {
  readonly owner: RuleOwner;
  readonly #id: number;
  readonly #maxMessageSize: number;
  /** Unsent bytes the client's socket may hold (and early frames the hub may keep) before it is closed. */
  readonly #maxBuffered: number;
  #peer: Peer | undefined;
  /** Frames the mock sent before the client's socket finished opening. */
  #early: Frame[] = [];
  #earlyBytes = 0;
  #closeEarly: SocketClose | undefined;
  #ended = false;
  /** Its rule's open sockets, which it leaves when it ends. */
  readonly #taken: Set<MockedSocket>;

  constructor(id: number, owner: RuleOwner, maxMessageSize: number, maxBuffered: number, taken: Set<MockedSocket>) {
    this.#id = id;
    this.owner = owner;
    this.#maxMessageSize = maxMessageSize;
    this.#maxBuffered = maxBuffered;
    this.#taken = taken;
  }

  attach(peer: Peer): void {
    this.#peer = peer;
    for (const frame of this.#early) safely(() => peer.send(frame));
    this.#early = [];
    if (this.#closeEarly) this.#closePeer(this.#closeEarly.code, this.#closeEarly.reason);
  }

  fromClient(data: Frame): void {
    if (this.#ended) return;
    // A mock's process that stops reading would have the hub drop its whole framework connection
    // at maxBufferedAmount, and every rule of the process with it: this socket goes first.
    if (this.owner.socket.bufferedAmount > this.#maxBuffered / 2) {
      this.#closePeer(1013, "The WebSocket mock's process is not reading");
      this.clientClosed(1013, "The WebSocket mock's process is not reading");
      return;
    }
    const message: SocketFrame = typeof data === "string" ? { socket: this.#id, text: data } : { socket: this.#id, base64: toBase64(data instanceof Uint8Array ? data : new Uint8Array(data)) };
    // A frame the framework connection cannot carry would close it (and every rule of the process).
    const size = "text" in message ? message.text.length * 3 : message.base64.length;
    if (size > this.#maxMessageSize - 1024) {
      this.#closePeer(1009, "Message too big for the WebSocket mock");
      this.clientClosed(1009, "Message too big for the WebSocket mock");
      return;
    }
    safely(() => this.owner.socket.send(SocketMessages.frame, message));
  }

  clientClosed(code?: number, reason?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    sockets.delete(this.#id);
    this.#taken.delete(this);
    safely(() => this.owner.socket.send(SocketMessages.closed, { socket: this.#id, code: code ?? 1005, reason: reason ?? "" } satisfies SocketClose));
  }

  close(): void {
    this.#closePeer(1001, "Hub shutting down");
    this.clientClosed(1001, "Hub shutting down");
  }

  /** Its rule left the hub: the client gets 1001, and the mock's `onClose` the same. */
  ruleGone(): void {
    if (this.#ended) return;
    this.#closePeer(1001, RULE_GONE);
    this.clientClosed(1001, RULE_GONE);
  }

  fromOwner(from: IPCSocket, data: SocketFrame): void {
    if (from !== this.owner.socket || this.#ended) return;
    let frame: Frame;
    try {
      frame = "text" in data && typeof data.text === "string" ? data.text : fromBase64((data as { base64: string }).base64);
    } catch {
      return;
    }
    const peer = this.#peer;
    if (!peer) {
      this.#early.push(frame);
      this.#earlyBytes += heldFrameSize(frame);
      if (this.#earlyBytes > this.#maxBuffered) this.#overflow();
      return;
    }
    // As the WebSocket proxy does (../server/_wsProxy.ts): a client that does not read is closed at
    // `maxBufferedAmount` instead of the hub holding whatever a mock sends (one flooding a client
    // that never read took a Node hub past 450 MiB). Bun answers 0 for a message it dropped.
    let sent: unknown;
    try {
      sent = peer.send(frame);
    } catch {
      return;
    }
    if (peer.bufferedAmount > this.#maxBuffered || (sent === 0 && getPlatform().runtime === "bun")) this.#overflow();
  }

  /** The client holds too much unread: it is cut off (it would not read a close frame either) and the mock sees 1013. */
  #overflow(): void {
    const reason = "Client not reading: too much unread data";
    this.#early = [];
    this.#earlyBytes = 0;
    // The client hears what the mock does where it gets a close frame (`Deno.serve` alone), not a framework client's 1008.
    if (this.#peer) dropPeer(this.#peer, 1013, reason);
    else this.#closeEarly = { socket: this.#id, code: 1013, reason };
    this.clientClosed(1013, reason);
  }

  /** The mock closes: the client's close (its answer to the handshake) then reaches `onClose`, as on a real socket. */
  closeFromOwner(from: IPCSocket, data: SocketClose): void {
    if (from !== this.owner.socket || this.#ended) return;
    // `close()` with no code reads 1000 on every hub: Bun's server socket always sends a code,
    // where Node's and Deno's would send none (the client would see 1005 on some runtimes only).
    const close = sendableClose({ ...data, code: data.code ?? 1000 });
    if (this.#peer) this.#closePeer(close.code, close.reason);
    else this.#closeEarly = close;
  }

  ownerGone(): void {
    if (this.#ended) return;
    this.#ended = true;
    sockets.delete(this.#id);
    this.#taken.delete(this);
    this.#closePeer(1011, "The WebSocket mock's process went away");
  }

  #closePeer(code?: number, reason?: string): void {
    const peer = this.#peer;
    if (!peer) {
      this.#closeEarly = { socket: this.#id, code, reason };
      return;
    }
    try {
      peer.close(code, reason);
    } catch {
      safely(() => peer.close(1000, reason));
    }
  }
}

/**
 * The mock's close as the client may be sent it. connectMocks checks the code and reason before
 * sending them; a framework client of its own sends what it likes, and each runtime did something
 * else with it (a code of 1005 or 5000, a reason past 123 bytes or not a string): Node closed with
 * 1000, Bun with 1005 or 1006, Deno with 1006, or the socket stayed open, the reason dropped or
 * "null". Such a close ends the socket with 1011 on every runtime.
 */
function sendableClose(close: SocketClose & { code: number }): SocketClose & { code: number } {
  const { code, reason } = close;
  if (isSendableCloseCode(code) && (reason === undefined || (typeof reason === "string" && utf8Length(reason) <= MAX_CLOSE_REASON_BYTES))) return close;
  return { socket: close.socket, code: 1011, reason: "The WebSocket mock closed with a code or reason a WebSocket may not send" };
}

function safely(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // The other side is gone; its own close ends this socket.
  }
}
