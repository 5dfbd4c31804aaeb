/**
 * What every entry exports for the client side: the runtime entries (through src/index.ts) and
 * the browser entry (`crossipc/client`, adapters/browser.ts). One list, so the two cannot drift apart.
 */
export { IPCClient, type IPCClientOptions } from "./IPCClient.ts";
export {
  IPCSocket,
  type IPCSocketOptions,
  type IPCSocketTarget,
  type IPCRequestHandler,
  type IPCMessageHandler,
} from "../IPCSocket.ts";
export { IPCError, type IPCErrorCode } from "../errors.ts";
export {
  INTERNAL_SOCKET_PATH,
  IPCMessageType,
  encodeFrame,
  parseFrame,
  type IPCFrame,
  type IPCMessage,
  type IPCResponseBody,
} from "../protocol.ts";
export type {
  IPCServerRequest,
  IPCClientRequest,
  SocketMessage,
  IPCLogger,
  Awaitable,
  WebSocketConstructor,
} from "../types.ts";
