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
export type { FaultHandle, FaultInfo, FaultKind, FaultMatch, FaultSpec } from "./faults/_types.ts";
export * from "./client/_api.ts";
export { ProxyError } from "./errors.ts";
export type { ClientListener, ProxyResolver } from "./types.ts";
export type { InterceptHandler, RequestInterceptHandler } from "./server/_routes.ts";
export { ServiceHub, type ServiceHubOptions } from "./hub/ServiceHub.ts";
export { checkHar, HarError, type ReplayHandle, type ReplayOptions } from "./replay/Replay.ts";
export type { MockReplay } from "./replay/_mocksReplay.ts";
export type * from "./har/types.ts";
export { joinHub, type HubMember, type HubRole, type JoinHubOptions } from "./hub/joinHub.ts";
export { HubError, type HubErrorCode } from "./hub/_errors.ts";
export { HubRequests, type DiscoverApiResult, type HubKind } from "./hub/_requests.ts";
export type { HubEntry, HubRoute, HubEvent, RoutingStrategy, RoutingStrategyName } from "./hub/_types.ts";
export {
  connectMocks,
  Mocks,
  MockScope,
  MockRule,
  MockRuleSet,
  type ConnectMocksOptions,
  type MockInterceptHandler,
  type MockRequestHandler,
  type MockFault,
  type MockWebSocket,
  type MockWebSocketHandler,
  type InterceptWebSocketOptions,
  type RemoteJournalFilter,
} from "./mocks/connectMocks.ts";
export { passthrough, type Passthrough as Pass, type RuleInfo, type RuleKind } from "./mocks/_rule.ts";
export { scopeHeaders } from "./mocks/_scope.ts";
