/** The runtime-independent API. Runtime entries (adapters/) re-export this after choosing a platform. */
export { IPCServer, type IPCServerOptions } from "./server/IPCServer.ts";
export {
  Journal,
  type JournalEntry,
  type JournalFilter,
  type JournalKind,
  type JournalOptions,
  type JournalTakenBy,
  type RouteHits,
} from "./server/journal.ts";
export type { DashboardState, DashboardClient } from "./dashboard/_state.ts";
export { IPCClient, type IPCClientOptions } from "./client/IPCClient.ts";
export {
  IPCSocket,
  type IPCSocketOptions,
  type IPCSocketTarget,
  type IPCRequestHandler,
  type IPCMessageHandler,
} from "./IPCSocket.ts";
export { IPCError, ProxyError, type IPCErrorCode } from "./errors.ts";
export {
  INTERNAL_SOCKET_PATH,
  IPCMessageType,
  encodeFrame,
  parseFrame,
  type IPCFrame,
  type IPCMessage,
  type IPCResponseBody,
} from "./protocol.ts";
export type {
  IPCServerRequest,
  IPCClientRequest,
  SocketMessage,
  IPCLogger,
  Awaitable,
  ClientListener,
  ProxyResolver,
  WebSocketConstructor,
} from "./types.ts";
export type { InterceptHandler, RequestInterceptHandler } from "./server/_routes.ts";
export { ServiceHub, type ServiceHubOptions } from "./hub/ServiceHub.ts";
export { joinHub, type HubMember, type HubRole, type JoinHubOptions } from "./hub/joinHub.ts";
export { HubError, type HubErrorCode } from "./hub/_errors.ts";
export { HubRequests, type DiscoverApiResult, type HubKind } from "./hub/_requests.ts";
export type { HubEntry, HubRoute, HubEvent, RoutingStrategy, RoutingStrategyName } from "./hub/_types.ts";
