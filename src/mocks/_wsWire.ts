/**
 * WebSocket mocks on the framework connection (SPEC §12 `interceptWebSocket`): the hub accepts
 * the upgrade, asks the rule's process to take the socket, then relays frames both ways as
 * fire-and-forget messages. One framework connection carries them in order, so frames keep
 * their order; text travels as text and binary as base64, so they keep their kind.
 */
export const SocketMessages = {
  /**
   * hub → client request: `SocketOpen` → `{accept: true, protocol?}` | `{pass: true}` | `{error}`;
   * `protocol`: the subprotocol to answer (one the client offered), null for none, absent for the first offered.
   */
  open: "__crossipc/ws/open",
  /** hub → client: a frame from the WebSocket client (`SocketFrame`). */
  frame: "__crossipc/ws/frame",
  /** hub → client: the WebSocket client closed (`SocketClose`). */
  closed: "__crossipc/ws/closed",
  /** client → hub: a frame for the WebSocket client (`SocketFrame`). */
  send: "__crossipc/ws/send",
  /** client → hub: close the WebSocket client (`SocketClose`). */
  close: "__crossipc/ws/close",
} as const;

export interface SocketOpen {
  ref: number;
  /** The hub's id of this socket; frames and closes name it. */
  socket: number;
  url: string;
  headers: Array<[string, string]>;
  params: Record<string, string>;
  scope: string | null;
}

export type SocketFrame = { socket: number; text: string } | { socket: number; base64: string };

export interface SocketClose {
  socket: number;
  code?: number;
  reason?: string;
}
