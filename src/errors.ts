/** Stable error codes: match on `error.code`, never on the message text. */
export type IPCErrorCode =
  | "ERR_IPC_TIMEOUT"
  | "ERR_IPC_NOT_CONNECTED"
  | "ERR_IPC_NO_CLIENT"
  | "ERR_IPC_CLOSED"
  | "ERR_IPC_REMOTE"
  | "ERR_IPC_CONNECT"
  | "ERR_IPC_UNAUTHORIZED"
  | "ERR_IPC_BAD_RESPONSE"
  | "ERR_IPC_INVALID_NAME"
  | "ERR_IPC_NOT_SERIALIZABLE"
  /** Options that would open the server to strangers (beyond loopback or `allowedOrigins: ['*']` without a token). */
  | "ERR_IPC_INSECURE";

/**
 * Every error crossipc raises. `code` is stable; the message names the request path,
 * runtimeId or address involved (and keeps the original package's texts where SPEC has them).
 */
export class IPCError extends Error {
  readonly code: IPCErrorCode;
  constructor(code: IPCErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IPCError";
    this.code = code;
  }
}

/**
 * The message of anything thrown, for answers on the wire and for logs: the original's
 * `error.message || String(error)`, so an Error from another realm or a thrown `{ message }`
 * gives its message. Never throws, not even for a value `String()` refuses (`Object.create(null)`).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  try {
    const message = (error as { message?: unknown } | null | undefined)?.message;
    if (typeof message === "string" && message) return message;
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** The messages of an error and its causes, innermost last: "fetch failed: connect ECONNREFUSED …". */
export function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) parts.push(current.message);
    else if (typeof current !== "object") parts.push(String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.filter(Boolean).join(": ") || "unknown error";
}

/**
 * A failed proxy attempt: `status` 502 (unreachable) or 504 (too slow), with the cause.
 * Thrown by `Platform.proxyHttp` so every runtime reports failures the same way.
 */
export class ProxyError extends Error {
  readonly status: 502 | 504;
  constructor(status: 502 | 504, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProxyError";
    this.status = status;
  }
}
