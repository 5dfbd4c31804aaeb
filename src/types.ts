/** A request the server handles (client → server), branded with its payload and result types. */
export type IPCServerRequest<Request, Response> = string & {
  __IPCServerRequest: never;
  __request: Request;
  __response: Response;
};

/** A request the client handles (server → client), branded with its payload and result types. */
export type IPCClientRequest<Request, Response> = string & {
  __IPCClientRequest: never;
  __request: Request;
  __response: Response;
};

/** What a server-side handler learns about the request besides its payload. */
export interface SocketMessage {
  clientId: string;
  runtimeId?: string;
  data: unknown;
}

/**
 * Where crossipc reports what happens. Every method is optional; without a logger the
 * library prints nothing. A logger that throws is ignored.
 */
export interface IPCLogger {
  debug?(message: string, ...args: unknown[]): void;
  info?(message: string, ...args: unknown[]): void;
  warn?(message: string, ...args: unknown[]): void;
  error?(message: string, ...args: unknown[]): void;
}

/** A value or a promise of it: handlers may answer either way. */
export type Awaitable<T> = T | Promise<T>;

export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocket;

/** `cb(clientId, runtimeId?)` for `onClientConnect` and `onClientDisconnect`. */
export type ClientListener = (clientId: string, runtimeId?: string) => void;

/** Returns the base URL to proxy a path to, or a falsy value for none. */
export type ProxyResolver = (path: string) => string | undefined | null | false | void;
